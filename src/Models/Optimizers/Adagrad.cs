// AdaGrad (Duchi et al., 2011), the per-parameter rate DistBelief paired with Downpour, in PyTorch's form.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dtrain.Models.Optimizers;

/// <summary>
/// AdaGrad as PyTorch's Adagrad (no learning-rate decay, initial accumulator 0):
/// <c>g' = g + weightDecay * w; s += g'^2; w -= lr * g' / (sqrt(s) + eps)</c>. Dean et al. (2012) use it with
/// Downpour because each parameter's rate shrinks with its own gradient history, which tolerates stale
/// gradients from many replicas. State slot s0 is the sum of squares <c>s</c>.
/// </summary>
public sealed class Adagrad : IOptimizer
{
    private readonly float _learningRate;
    private readonly float _epsilon;
    private readonly float _weightDecay;

    /// <summary>Creates the optimizer; <see cref="Optimizers.Create"/> validates the settings first.</summary>
    public Adagrad(float learningRate, float epsilon = 1e-10f, float weightDecay = 0f)
    {
        _learningRate = learningRate;
        _epsilon = epsilon;
        _weightDecay = weightDecay;
    }

    /// <inheritdoc />
    public string Name => "adagrad";

    /// <inheritdoc />
    public int StateSlots => 1;

    /// <inheritdoc />
    public UpdateRule Rule => new(UpdateKind.Adagrad, _learningRate, _weightDecay, Epsilon: _epsilon);

    /// <inheritdoc />
    public void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> s0, Span<float> s1, long step, float learningRateScale = 1f)
    {
        ChunkArguments.Check(Name, StateSlots, parameters.Length, gradient.Length, s0.Length, s1.Length, step);
        int n = parameters.Length;
        ref float w = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float s = ref MemoryMarshal.GetReference(s0);
        float lr = _learningRate * learningRateScale, eps = _epsilon, wd = _weightDecay;
        int i = 0;

        // Unfused multiply/add in every path keeps vector lanes and the scalar tail bit-identical.
        if (Vector512.IsHardwareAccelerated)
        {
            var (vlr, veps, vwd) = (Vector512.Create(lr), Vector512.Create(eps), Vector512.Create(wd));
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var wi = Vector512.LoadUnsafe(ref w, (nuint)i);
                var gi = Vector512.LoadUnsafe(ref g, (nuint)i) + vwd * wi;
                var si = Vector512.LoadUnsafe(ref s, (nuint)i) + gi * gi;
                si.StoreUnsafe(ref s, (nuint)i);
                (wi - vlr * (gi / (Vector512.Sqrt(si) + veps))).StoreUnsafe(ref w, (nuint)i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var (vlr, veps, vwd) = (Vector256.Create(lr), Vector256.Create(eps), Vector256.Create(wd));
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var wi = Vector256.LoadUnsafe(ref w, (nuint)i);
                var gi = Vector256.LoadUnsafe(ref g, (nuint)i) + vwd * wi;
                var si = Vector256.LoadUnsafe(ref s, (nuint)i) + gi * gi;
                si.StoreUnsafe(ref s, (nuint)i);
                (wi - vlr * (gi / (Vector256.Sqrt(si) + veps))).StoreUnsafe(ref w, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            ref float wi = ref Unsafe.Add(ref w, i);
            ref float si = ref Unsafe.Add(ref s, i);
            float gi = Unsafe.Add(ref g, i) + wd * wi;
            si += gi * gi;
            wi -= lr * (gi / (MathF.Sqrt(si) + eps));
        }
    }
}
