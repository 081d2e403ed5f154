// AdamW: Adam with weight decay decoupled from the gradient (Loshchilov & Hutter, 2019), as PyTorch's AdamW.
namespace Dtrain.Models.Optimizers;

/// <summary>
/// AdamW as PyTorch's AdamW: <c>w *= 1 - lr * weightDecay</c> first, then the Adam step on the raw gradient
/// (<c>m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)</c>).
/// The decay shrinks weights at a rate the moments do not rescale, unlike L2 folded into Adam's gradient.
/// State slot s0 is the first moment <c>m</c>, s1 the second moment <c>v</c>; the loop is <see cref="Adam"/>'s.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer; <see cref="Optimizers.Create"/> validates the settings first.</summary>
    public AdamW(float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f)
        : base(learningRate, beta1, beta2, epsilon, weightDecay, decoupledDecay: true)
    {
    }

    /// <inheritdoc />
    public override string Name => "adamw";
}
