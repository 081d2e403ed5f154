// An optimizer's update rule as plain data, so a device backend can run the same formula as IOptimizer.Apply
// in its own kernel without knowing the optimizer's class.
namespace Dtrain.Models.Optimizers;

/// <summary>The element-wise update rules; each is the formula of the optimizer class of the same name.</summary>
public enum UpdateKind
{
    /// <summary><see cref="Dtrain.Models.Optimizers.Sgd"/>: no state.</summary>
    Sgd,

    /// <summary><see cref="Dtrain.Models.Optimizers.Momentum"/>: s0 is the velocity.</summary>
    Momentum,

    /// <summary><see cref="Dtrain.Models.Optimizers.Nesterov"/>: s0 is the velocity.</summary>
    Nesterov,

    /// <summary><see cref="Dtrain.Models.Optimizers.Adagrad"/>: s0 is the sum of squared gradients.</summary>
    Adagrad,

    /// <summary><see cref="Dtrain.Models.Optimizers.RmsProp"/>: s0 is the running mean square.</summary>
    RmsProp,

    /// <summary><see cref="Dtrain.Models.Optimizers.Adadelta"/>: s0 is the mean square gradient, s1 the mean square update.</summary>
    Adadelta,

    /// <summary><see cref="Dtrain.Models.Optimizers.Adam"/>, weight decay added to the gradient: s0 and s1 are the moments.</summary>
    Adam,

    /// <summary><see cref="Dtrain.Models.Optimizers.AdamW"/>, weight decay applied to the weights: s0 and s1 are the moments.</summary>
    AdamW,
}

/// <summary>
/// What an optimizer computes: its <see cref="UpdateKind"/> and hyperparameters, as validated by
/// <see cref="Optimizers.Create"/>. A field the kind does not use is zero.
/// </summary>
/// <param name="Kind">The formula.</param>
/// <param name="LearningRate">The configured learning rate, before an update's learning-rate scale.</param>
/// <param name="WeightDecay">
/// The L2 coefficient added to the gradient as <c>WeightDecay * w</c>, or for <see cref="UpdateKind.AdamW"/> the
/// decoupled decay <c>w *= 1 - lr * WeightDecay</c>.
/// </param>
/// <param name="Beta1">
/// The coefficient of the first running average: momentum (<see cref="UpdateKind.Momentum"/>,
/// <see cref="UpdateKind.Nesterov"/>), alpha (<see cref="UpdateKind.RmsProp"/>), rho
/// (<see cref="UpdateKind.Adadelta"/>), beta1 (<see cref="UpdateKind.Adam"/>, <see cref="UpdateKind.AdamW"/>).
/// </param>
/// <param name="Beta2">Adam's and AdamW's second-moment coefficient beta2.</param>
/// <param name="Epsilon">The denominator guard of the adaptive kinds.</param>
public readonly record struct UpdateRule(
    UpdateKind Kind,
    float LearningRate,
    float WeightDecay = 0f,
    float Beta1 = 0f,
    float Beta2 = 0f,
    float Epsilon = 0f);
