// Adam (Kingma & Ba, 2015) with bias correction, in the form PyTorch's torch.optim.Adam computes it; AdamW
// shares the loop and differs only in where weight decay enters.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dtrain.Models.Optimizers;

/// <summary>
/// Adam with L2 weight decay folded into the gradient, as PyTorch's Adam (not AdamW):
/// <c>g' = g + weightDecay * w; m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
/// w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)</c>.
/// State slot s0 is the first moment <c>m</c>, s1 the second moment <c>v</c>; both start at zero.
/// </summary>
public class Adam : IOptimizer
{
    private readonly bool _decoupledDecay;
    private readonly float _learningRate;
    private readonly float _beta1;
    private readonly float _beta2;
    private readonly float _epsilon;
    private readonly float _weightDecay;

    /// <summary>Creates the optimizer; <see cref="Optimizers.Create"/> validates the settings first.</summary>
    public Adam(float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
        : this(learningRate, beta1, beta2, epsilon, weightDecay, decoupledDecay: false)
    {
    }

    /// <summary>
    /// The shared constructor: with <paramref name="decoupledDecay"/> the weights shrink by <c>1 - lr * weightDecay</c>
    /// before the step (AdamW); without it the decay is added to the gradient (Adam's L2).
    /// </summary>
    protected Adam(float learningRate, float beta1, float beta2, float epsilon, float weightDecay, bool decoupledDecay)
    {
        _decoupledDecay = decoupledDecay;
        _learningRate = learningRate;
        _beta1 = beta1;
        _beta2 = beta2;
        _epsilon = epsilon;
        _weightDecay = weightDecay;
    }

    /// <inheritdoc />
    public virtual string Name => "adam";

    /// <inheritdoc />
    public int StateSlots => 2;

    /// <inheritdoc />
    public UpdateRule Rule => new(_decoupledDecay ? UpdateKind.AdamW : UpdateKind.Adam, _learningRate, _weightDecay, _beta1, _beta2, _epsilon);

    /// <inheritdoc />
    public void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> s0, Span<float> s1, long step, float learningRateScale = 1f)
    {
        ChunkArguments.Check(Name, StateSlots, parameters.Length, gradient.Length, s0.Length, s1.Length, step);
        int n = parameters.Length;
        ref float w = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float m = ref MemoryMarshal.GetReference(s0);
        ref float v = ref MemoryMarshal.GetReference(s1);

        var (stepSize, bias2Sqrt, keep, l2) = StepScalars(Rule, step, learningRateScale);
        float b1 = _beta1, b2 = _beta2, c1 = 1f - _beta1, c2 = 1f - _beta2, eps = _epsilon;
        int i = 0;

        // Unfused multiply/add in every path keeps vector lanes and the scalar tail bit-identical.
        if (Vector512.IsHardwareAccelerated)
        {
            var (vb1, vb2, vc1, vc2) = (Vector512.Create(b1), Vector512.Create(b2), Vector512.Create(c1), Vector512.Create(c2));
            var (veps, vl2, vkeep, vstep, vbias2) = (Vector512.Create(eps), Vector512.Create(l2), Vector512.Create(keep), Vector512.Create(stepSize), Vector512.Create(bias2Sqrt));
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var wi = Vector512.LoadUnsafe(ref w, (nuint)i) * vkeep;
                var gi = Vector512.LoadUnsafe(ref g, (nuint)i) + vl2 * wi;
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
            var (veps, vl2, vkeep, vstep, vbias2) = (Vector256.Create(eps), Vector256.Create(l2), Vector256.Create(keep), Vector256.Create(stepSize), Vector256.Create(bias2Sqrt));
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var wi = Vector256.LoadUnsafe(ref w, (nuint)i) * vkeep;
                var gi = Vector256.LoadUnsafe(ref g, (nuint)i) + vl2 * wi;
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
            wi *= keep;
            float gi = Unsafe.Add(ref g, i) + l2 * wi;
            mi = b1 * mi + c1 * gi;
            vi = b2 * vi + c2 * (gi * gi);
            float denominator = MathF.Sqrt(vi) / bias2Sqrt + eps;
            wi -= stepSize * (mi / denominator);
        }
    }

    /// <summary>
    /// The per-update scalars of the Adam and AdamW loop, shared with the device kernels so both round alike:
    /// the step size <c>lr / (1 - b1^t)</c>, <c>sqrt(1 - b2^t)</c>, the factor <c>keep</c> on w and the L2
    /// coefficient <c>l2</c> added to the gradient.
    /// </summary>
    internal static (float StepSize, float Bias2Sqrt, float Keep, float L2) StepScalars(UpdateRule rule, long step, float learningRateScale)
    {
        // The bias corrections are per-step scalars: compute them once in double, as PyTorch does in Python
        // floats, so b^t stays accurate for large t. Like PyTorch, the step size carries 1/(1 - b1^t) and the
        // denominator divides sqrt(v) by sqrt(1 - b2^t).
        double lr = (double)rule.LearningRate * learningRateScale;
        float stepSize = (float)(lr / (1.0 - Math.Pow(rule.Beta1, step)));
        float bias2Sqrt = (float)Math.Sqrt(1.0 - Math.Pow(rule.Beta2, step));

        // Decay enters one of two ways, the other being the identity: AdamW scales w by `keep` (this update's
        // scheduled rate), Adam adds `l2 * w` to the gradient. Multiplying by 1 or adding 0 * w is exact.
        bool decoupled = rule.Kind == UpdateKind.AdamW;
        float keep = decoupled ? (float)(1.0 - (lr * rule.WeightDecay)) : 1f;
        float l2 = decoupled ? 0f : rule.WeightDecay;
        return (stepSize, bias2Sqrt, keep, l2);
    }
}
