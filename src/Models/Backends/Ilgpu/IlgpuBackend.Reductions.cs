// Sums on the device: the sum and mean ops' axis reductions and their adjoint, and the launcher of the grouped
// segment reduction behind batch-norm statistics, losses and the gradient norm.
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;
using ILGPU;
using ILGPU.Runtime;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc/>
    public void ReduceAxis(Tensor x, Tensor y, int outer, int length, int inner, float alpha, bool accumulate)
    {
        CheckLength(x.Length, outer * length * inner, nameof(ReduceAxis));
        CheckLength(y.Length, outer * inner, nameof(ReduceAxis));
        Run(outer * inner, IlgpuKernels.ReduceAxis, V(x), V(y), length, inner, alpha, Flag(accumulate));
    }

    /// <inheritdoc/>
    public void BroadcastAxis(Tensor dy, Tensor dx, int outer, int length, int inner, float alpha, bool accumulate)
    {
        CheckLength(dy.Length, outer * inner, nameof(BroadcastAxis));
        CheckLength(dx.Length, outer * length * inner, nameof(BroadcastAxis));
        Run(dx.Length, IlgpuKernels.BroadcastAxis, V(dy), V(dx), length, inner, alpha, Flag(accumulate));
    }

    /// <summary>One group of <see cref="ReductionGroup"/> threads per segment (channel) of an (n, C, inner) view.</summary>
    private void ReduceSegments(SegmentArgs p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> mean, ArrayView<float> output)
    {
        var config = new KernelConfig(new Index1D(p.Channels), new Index1D(ReductionGroup), SharedMemoryConfig.RequestDynamic<float>(ReductionGroup));
        RunGrouped(config, IlgpuKernels.SegmentReduce, p, a, b, mean, output);
    }
}
