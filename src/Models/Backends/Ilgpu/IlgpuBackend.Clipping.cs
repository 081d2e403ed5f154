// Gradient clipping on the device: a sum of squares reduced on the device, and an in-place scale.
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc/>
    public void SumOfSquares(Tensor x, Tensor result, bool accumulate)
    {
        CheckLength(result.Length, 1, nameof(SumOfSquares));
        ReduceSegments(new SegmentArgs(1, 1, x.Length, IlgpuKernels.SumSquares, 1f, Flag(accumulate)), V(x), _dummy.View, _dummy.View, V(result));
    }

    /// <inheritdoc/>
    public void Scale(Tensor x, float alpha) => Run(x.Length, IlgpuKernels.Axpy, V(x), V(x), alpha, 0);
}
