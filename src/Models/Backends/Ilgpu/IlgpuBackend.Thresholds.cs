// Threshold units on the device: step and sign, one thread per element.
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc/>
    public void Step(Tensor x, Tensor y, float threshold)
    {
        CheckLength(x.Length, y.Length, nameof(Step));
        Run(x.Length, IlgpuKernels.Step, V(x), V(y), threshold);
    }

    /// <inheritdoc/>
    public void Sign(Tensor x, Tensor y, float threshold)
    {
        CheckLength(x.Length, y.Length, nameof(Sign));
        Run(x.Length, IlgpuKernels.Sign, V(x), V(y), threshold);
    }
}
