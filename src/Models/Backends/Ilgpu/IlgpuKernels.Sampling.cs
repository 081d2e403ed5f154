// Sampling kernels: CounterRandom's draws per thread, the CPU backend's loops bit for bit.
using ILGPU;
using ILGPU.Algorithms;

namespace Dtrain.Models.Backends.Ilgpu;

internal static partial class IlgpuKernels
{
    /// <summary>y = u &lt; p ? 1 : 0, u uniform from (seed, i).</summary>
    public static void Bernoulli(Index1D i, ArrayView<float> p, ArrayView<float> y, ulong seed) =>
        y[i] = CounterRandom.Uniform(CounterRandom.Hash((uint)i.X, seed, 0)) < p[i] ? 1f : 0f;

    /// <summary>y = mean + std sqrt(-2 ln u1) cos(2 pi u2), u1 and u2 from (seed, i) in streams 0 and 1.</summary>
    public static void Normal(Index1D i, ArrayView<float> y, float mean, float std, ulong seed)
    {
        var r = XMath.Sqrt(CounterRandom.BoxMullerRadiusSquared(CounterRandom.Hash((uint)i.X, seed, 0)));
        y[i] = mean + (std * (r * CounterRandom.BoxMullerCosine(CounterRandom.Hash((uint)i.X, seed, 1))));
    }
}
