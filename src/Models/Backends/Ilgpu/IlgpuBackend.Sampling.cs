// Sampling on the device: Bernoulli units and Gaussian noise from the counter-based hash of seed and index.
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc/>
    public void Bernoulli(Tensor p, Tensor y, ulong seed)
    {
        CheckLength(p.Length, y.Length, nameof(Bernoulli));
        Run(p.Length, IlgpuKernels.Bernoulli, V(p), V(y), seed);
    }

    /// <inheritdoc/>
    public void Normal(Tensor y, float mean, float std, ulong seed) => Run(y.Length, IlgpuKernels.Normal, V(y), mean, std, seed);
}
