// RMSProp (Tieleman & Hinton, 2012) in the form PyTorch's torch.optim.RMSprop computes it.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dtrain.Models.Optimizers;

/// <summary>
/// RMSProp as PyTorch's RMSprop without momentum and not centered:
/// <c>g' = g + weightDecay * w; v = alpha * v + (1 - alpha) g'^2; w -= lr * g' / (sqrt(v) + eps)</c>.
/// State slot s0 is the running mean square <c>v</c>, starting at zero.
/// </summary>
public sealed class RmsProp : IOptimizer
{
    private readonly float _learningRate;
    private readonly float _alpha;
    private readonly float _epsilon;
    private readonly float _weightDecay;

    /// <summary>Creates the optimizer; <see cref="Optimizers.Create"/> validates the settings first.</summary>
    public RmsProp(float learningRate, float alpha = 0.99f, float epsilon = 1e-8f, float weightDecay = 0f)
    {
        _learningRate = learningRate;
        _alpha = alpha;
        _epsilon = epsilon;
        _weightDecay = weightDecay;
    }

    /// <inheritdoc />
    public string Name => "rmsprop";

    /// <inheritdoc />
    public int StateSlots => 1;

    /// <inheritdoc />
    public UpdateRule Rule => new(UpdateKind.RmsProp, _learningRate, _weightDecay, Beta1: _alpha, Epsilon: _epsilon);

    /// <inheritdoc />
    public void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> s0, Span<float> s1, long step, float learningRateScale = 1f)
    {
        ChunkArguments.Check(Name, StateSlots, parameters.Length, gradient.Length, s0.Length, s1.Length, step);
        int n = parameters.Length;
        ref float w = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float v = ref MemoryMarshal.GetReference(s0);
        float lr = _learningRate * learningRateScale, a = _alpha, c = 1f - _alpha, eps = _epsilon, wd = _weightDecay;
        int i = 0;

        // Unfused multiply/add in every path keeps vector lanes and the scalar tail bit-identical.
        if (Vector512.IsHardwareAccelerated)
        {
            var (vlr, va, vc, veps, vwd) = (Vector512.Create(lr), Vector512.Create(a), Vector512.Create(c), Vector512.Create(eps), Vector512.Create(wd));
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var wi = Vector512.LoadUnsafe(ref w, (nuint)i);
                var gi = Vector512.LoadUnsafe(ref g, (nuint)i) + vwd * wi;
                var vi = va * Vector512.LoadUnsafe(ref v, (nuint)i) + vc * (gi * gi);
                vi.StoreUnsafe(ref v, (nuint)i);
                (wi - vlr * (gi / (Vector512.Sqrt(vi) + veps))).StoreUnsafe(ref w, (nuint)i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var (vlr, va, vc, veps, vwd) = (Vector256.Create(lr), Vector256.Create(a), Vector256.Create(c), Vector256.Create(eps), Vector256.Create(wd));
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var wi = Vector256.LoadUnsafe(ref w, (nuint)i);
                var gi = Vector256.LoadUnsafe(ref g, (nuint)i) + vwd * wi;
                var vi = va * Vector256.LoadUnsafe(ref v, (nuint)i) + vc * (gi * gi);
                vi.StoreUnsafe(ref v, (nuint)i);
                (wi - vlr * (gi / (Vector256.Sqrt(vi) + veps))).StoreUnsafe(ref w, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            ref float wi = ref Unsafe.Add(ref w, i);
            ref float vi = ref Unsafe.Add(ref v, i);
            float gi = Unsafe.Add(ref g, i) + wd * wi;
            vi = a * vi + c * (gi * gi);
            wi -= lr * (gi / (MathF.Sqrt(vi) + eps));
        }
    }
}
