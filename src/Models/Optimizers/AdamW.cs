// AdamW: Adam with weight decay decoupled from the gradient (Loshchilov & Hutter, 2019), as PyTorch's AdamW.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dtrain.Models.Optimizers;

/// <summary>
/// AdamW as PyTorch's AdamW: <c>w *= 1 - lr * weightDecay</c> first, then the Adam step on the raw gradient
/// (<c>m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)</c>).
/// The decay shrinks weights at a rate the moments do not rescale, unlike L2 folded into Adam's gradient.
/// State slot s0 is the first moment <c>m</c>, s1 the second moment <c>v</c>; both start at zero.
/// </summary>
public sealed class AdamW : IOptimizer
{
    private readonly float _learningRate;
    private readonly float _beta1;
    private readonly float _beta2;
    private readonly float _epsilon;
    private readonly float _weightDecay;

    /// <summary>Creates the optimizer; <see cref="Optimizers.Create"/> validates the settings first.</summary>
    public AdamW(float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f)
    {
        _learningRate = learningRate;
        _beta1 = beta1;
        _beta2 = beta2;
        _epsilon = epsilon;
        _weightDecay = weightDecay;
    }

    /// <inheritdoc />
    public string Name => "adamw";

    /// <inheritdoc />
    public int StateSlots => 2;

    /// <inheritdoc />
    public void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> s0, Span<float> s1, long step, float learningRateScale = 1f)
    {
        ChunkArguments.Check(Name, StateSlots, parameters.Length, gradient.Length, s0.Length, s1.Length, step);
        int n = parameters.Length;
        ref float w = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float m = ref MemoryMarshal.GetReference(s0);
        ref float v = ref MemoryMarshal.GetReference(s1);

        // Per-step scalars in double, as in Adam; the decay factor uses this update's (scheduled) rate.
        double lr = (double)_learningRate * learningRateScale;
        float stepSize = (float)(lr / (1.0 - Math.Pow(_beta1, step)));
        float bias2Sqrt = (float)Math.Sqrt(1.0 - Math.Pow(_beta2, step));
        float decay = (float)(1.0 - (lr * _weightDecay));
        float b1 = _beta1, b2 = _beta2, c1 = 1f - _beta1, c2 = 1f - _beta2, eps = _epsilon;
        int i = 0;

        // Unfused multiply/add in every path keeps vector lanes and the scalar tail bit-identical.
        if (Vector512.IsHardwareAccelerated)
        {
            var (vb1, vb2, vc1, vc2) = (Vector512.Create(b1), Vector512.Create(b2), Vector512.Create(c1), Vector512.Create(c2));
            var (veps, vdecay, vstep, vbias2) = (Vector512.Create(eps), Vector512.Create(decay), Vector512.Create(stepSize), Vector512.Create(bias2Sqrt));
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var wi = Vector512.LoadUnsafe(ref w, (nuint)i) * vdecay;
                var gi = Vector512.LoadUnsafe(ref g, (nuint)i);
                var mi = vb1 * Vector512.LoadUnsafe(ref m, (nuint)i) + vc1 * gi;
                var vi = vb2 * Vector512.LoadUnsafe(ref v, (nuint)i) + vc2 * (gi * gi);
                mi.StoreUnsafe(ref m, (nuint)i);
                vi.StoreUnsafe(ref v, (nuint)i);
                var denominator = Vector512.Sqrt(vi) / vbias2 + veps;
                (wi - vstep * (mi / denominator)).StoreUnsafe(ref w, (nuint)i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var (vb1, vb2, vc1, vc2) = (Vector256.Create(b1), Vector256.Create(b2), Vector256.Create(c1), Vector256.Create(c2));
            var (veps, vdecay, vstep, vbias2) = (Vector256.Create(eps), Vector256.Create(decay), Vector256.Create(stepSize), Vector256.Create(bias2Sqrt));
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var wi = Vector256.LoadUnsafe(ref w, (nuint)i) * vdecay;
                var gi = Vector256.LoadUnsafe(ref g, (nuint)i);
                var mi = vb1 * Vector256.LoadUnsafe(ref m, (nuint)i) + vc1 * gi;
                var vi = vb2 * Vector256.LoadUnsafe(ref v, (nuint)i) + vc2 * (gi * gi);
                mi.StoreUnsafe(ref m, (nuint)i);
                vi.StoreUnsafe(ref v, (nuint)i);
                var denominator = Vector256.Sqrt(vi) / vbias2 + veps;
                (wi - vstep * (mi / denominator)).StoreUnsafe(ref w, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            ref float wi = ref Unsafe.Add(ref w, i);
            ref float mi = ref Unsafe.Add(ref m, i);
            ref float vi = ref Unsafe.Add(ref v, i);
            float gi = Unsafe.Add(ref g, i);
            wi *= decay;
            mi = b1 * mi + c1 * gi;
            vi = b2 * vi + c2 * (gi * gi);
            float denominator = MathF.Sqrt(vi) / bias2Sqrt + eps;
            wi -= stepSize * (mi / denominator);
        }
    }
}
