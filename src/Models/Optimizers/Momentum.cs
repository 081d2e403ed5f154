// Classical (heavy-ball) momentum as PyTorch's SGD defines it: v = mu * v + g; w -= lr * v.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dtrain.Models.Optimizers;

/// <summary>
/// SGD with heavy-ball momentum (no dampening, not Nesterov), as PyTorch's SGD:
/// <c>g' = g + weightDecay * w; v = momentum * v + g'; w -= lr * v</c>. State slot s0 is the velocity
/// <c>v</c>, starting at zero, which makes the first step <c>v = g'</c> exactly as PyTorch's.
/// </summary>
public sealed class Momentum : IOptimizer
{
    private readonly float _learningRate;
    private readonly float _momentum;
    private readonly float _weightDecay;

    /// <summary>Creates the optimizer; <see cref="Optimizers.Create"/> validates the settings first.</summary>
    public Momentum(float learningRate, float momentum = 0.9f, float weightDecay = 0f)
    {
        _learningRate = learningRate;
        _momentum = momentum;
        _weightDecay = weightDecay;
    }

    /// <inheritdoc />
    public string Name => "momentum";

    /// <inheritdoc />
    public int StateSlots => 1;

    /// <inheritdoc />
    public UpdateRule Rule => new(UpdateKind.Momentum, _learningRate, _weightDecay, Beta1: _momentum);

    /// <inheritdoc />
    public void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> s0, Span<float> s1, long step, float learningRateScale = 1f)
    {
        ChunkArguments.Check(Name, StateSlots, parameters.Length, gradient.Length, s0.Length, s1.Length, step);
        int n = parameters.Length;
        ref float w = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float v = ref MemoryMarshal.GetReference(s0);
        float lr = _learningRate * learningRateScale, mu = _momentum, wd = _weightDecay;
        int i = 0;

        // Unfused multiply/add in every path keeps vector lanes and the scalar tail bit-identical.
        if (Vector512.IsHardwareAccelerated)
        {
            var vlr = Vector512.Create(lr);
            var vmu = Vector512.Create(mu);
            var vwd = Vector512.Create(wd);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var wi = Vector512.LoadUnsafe(ref w, (nuint)i);
                var gi = Vector512.LoadUnsafe(ref g, (nuint)i) + vwd * wi;
                var vi = vmu * Vector512.LoadUnsafe(ref v, (nuint)i) + gi;
                vi.StoreUnsafe(ref v, (nuint)i);
                (wi - vlr * vi).StoreUnsafe(ref w, (nuint)i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var vlr = Vector256.Create(lr);
            var vmu = Vector256.Create(mu);
            var vwd = Vector256.Create(wd);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var wi = Vector256.LoadUnsafe(ref w, (nuint)i);
                var gi = Vector256.LoadUnsafe(ref g, (nuint)i) + vwd * wi;
                var vi = vmu * Vector256.LoadUnsafe(ref v, (nuint)i) + gi;
                vi.StoreUnsafe(ref v, (nuint)i);
                (wi - vlr * vi).StoreUnsafe(ref w, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            ref float wi = ref Unsafe.Add(ref w, i);
            ref float vi = ref Unsafe.Add(ref v, i);
            float gi = Unsafe.Add(ref g, i) + wd * wi;
            vi = mu * vi + gi;
            wi -= lr * vi;
        }
    }
}
