// Dropout on the device: the counter-based mask (the CPU backend's hash of seed and index, so both draw the
// same mask) and its application.
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc/>
    public void DropoutMask(Tensor mask, float rate, ulong seed)
    {
        var threshold = (uint)Math.Min(rate * 4294967296.0, uint.MaxValue);
        Run(mask.Length, IlgpuKernels.DropoutMask, V(mask), (uint)seed, (uint)(seed >> 32), threshold, 1f / (1f - rate));
    }

    /// <inheritdoc/>
    public void DropoutApply(Tensor x, Tensor mask, Tensor y, bool accumulate)
    {
        CheckLength(x.Length, mask.Length, nameof(DropoutApply));
        Run(x.Length, IlgpuKernels.DropoutApply, V(x), V(mask), V(y), Flag(accumulate));
    }
}
