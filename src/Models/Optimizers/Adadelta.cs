// AdaDelta (Zeiler, 2012, Algorithm 1) in the form PyTorch's torch.optim.Adadelta computes it.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dtrain.Models.Optimizers;

/// <summary>
/// AdaDelta as PyTorch's Adadelta: <c>g' = g + weightDecay * w; v = rho v + (1 - rho) g'^2;
/// d = sqrt(u + eps) / sqrt(v + eps) * g'; u = rho u + (1 - rho) d^2; w -= lr * d</c>. Zeiler's rule has no
/// learning rate (lr = 1, the default here); the ratio of RMS values gives the step its units.
/// State slot s0 is the mean square gradient <c>v</c>, s1 the mean square update <c>u</c>; both start at zero.
/// </summary>
public sealed class Adadelta : IOptimizer
{
    private readonly float _learningRate;
    private readonly float _rho;
    private readonly float _epsilon;
    private readonly float _weightDecay;

    /// <summary>Creates the optimizer; <see cref="Optimizers.Create"/> validates the settings first.</summary>
    public Adadelta(float learningRate = 1f, float rho = 0.9f, float epsilon = 1e-6f, float weightDecay = 0f)
    {
        _learningRate = learningRate;
        _rho = rho;
        _epsilon = epsilon;
        _weightDecay = weightDecay;
    }

    /// <inheritdoc />
    public string Name => "adadelta";

    /// <inheritdoc />
    public int StateSlots => 2;

    /// <inheritdoc />
    public UpdateRule Rule => new(UpdateKind.Adadelta, _learningRate, _weightDecay, Beta1: _rho, Epsilon: _epsilon);

    /// <inheritdoc />
    public void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> s0, Span<float> s1, long step, float learningRateScale = 1f)
    {
        ChunkArguments.Check(Name, StateSlots, parameters.Length, gradient.Length, s0.Length, s1.Length, step);
        int n = parameters.Length;
        ref float w = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float v = ref MemoryMarshal.GetReference(s0);
        ref float u = ref MemoryMarshal.GetReference(s1);
        float lr = _learningRate * learningRateScale, r = _rho, c = 1f - _rho, eps = _epsilon, wd = _weightDecay;
        int i = 0;

        // Unfused multiply/add in every path keeps vector lanes and the scalar tail bit-identical.
        if (Vector512.IsHardwareAccelerated)
        {
            var (vlr, vr, vc, veps, vwd) = (Vector512.Create(lr), Vector512.Create(r), Vector512.Create(c), Vector512.Create(eps), Vector512.Create(wd));
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var wi = Vector512.LoadUnsafe(ref w, (nuint)i);
                var gi = Vector512.LoadUnsafe(ref g, (nuint)i) + vwd * wi;
                var vi = vr * Vector512.LoadUnsafe(ref v, (nuint)i) + vc * (gi * gi);
                var ui = Vector512.LoadUnsafe(ref u, (nuint)i);
                var di = Vector512.Sqrt(ui + veps) / Vector512.Sqrt(vi + veps) * gi;
                vi.StoreUnsafe(ref v, (nuint)i);
                (vr * ui + vc * (di * di)).StoreUnsafe(ref u, (nuint)i);
                (wi - vlr * di).StoreUnsafe(ref w, (nuint)i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var (vlr, vr, vc, veps, vwd) = (Vector256.Create(lr), Vector256.Create(r), Vector256.Create(c), Vector256.Create(eps), Vector256.Create(wd));
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var wi = Vector256.LoadUnsafe(ref w, (nuint)i);
                var gi = Vector256.LoadUnsafe(ref g, (nuint)i) + vwd * wi;
                var vi = vr * Vector256.LoadUnsafe(ref v, (nuint)i) + vc * (gi * gi);
                var ui = Vector256.LoadUnsafe(ref u, (nuint)i);
                var di = Vector256.Sqrt(ui + veps) / Vector256.Sqrt(vi + veps) * gi;
                vi.StoreUnsafe(ref v, (nuint)i);
                (vr * ui + vc * (di * di)).StoreUnsafe(ref u, (nuint)i);
                (wi - vlr * di).StoreUnsafe(ref w, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            ref float wi = ref Unsafe.Add(ref w, i);
            ref float vi = ref Unsafe.Add(ref v, i);
            ref float ui = ref Unsafe.Add(ref u, i);
            float gi = Unsafe.Add(ref g, i) + wd * wi;
            vi = r * vi + c * (gi * gi);
            float di = MathF.Sqrt(ui + eps) / MathF.Sqrt(vi + eps) * gi;
            ui = r * ui + c * (di * di);
            wi -= lr * di;
        }
    }
}
