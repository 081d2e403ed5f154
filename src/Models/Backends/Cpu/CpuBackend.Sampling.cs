// Sampling kernels of the CPU backend: scalar loops over CounterRandom, the same math the ILGPU kernels compile.
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void Bernoulli(Tensor p, Tensor y, ulong seed)
    {
        var ps = Span(p);
        var ys = Span(y);
        CheckLength(ps.Length, ys.Length, nameof(Bernoulli));
        for (var i = 0; i < ps.Length; i++)
        {
            ys[i] = CounterRandom.Uniform(CounterRandom.Hash((uint)i, seed, 0)) < ps[i] ? 1f : 0f;
        }
    }

    /// <inheritdoc/>
    public void Normal(Tensor y, float mean, float std, ulong seed)
    {
        var ys = Span(y);
        for (var i = 0; i < ys.Length; i++)
        {
            var r = MathF.Sqrt(CounterRandom.BoxMullerRadiusSquared(CounterRandom.Hash((uint)i, seed, 0)));
            ys[i] = mean + (std * (r * CounterRandom.BoxMullerCosine(CounterRandom.Hash((uint)i, seed, 1))));
        }
    }
}
