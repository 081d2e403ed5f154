// The optimizer a run asks for, as read from its configuration; Optimizers.Create turns it into an IOptimizer.
namespace Dtrain.Models.Optimizers;

/// <summary>
/// The optimizer type and its hyperparameters. A null field takes the type's default (PyTorch's, see
/// <see cref="Optimizers"/>), so e.g. <c>adadelta</c> gets lr 1 and eps 1e-6 while <c>adam</c> gets lr 1e-3
/// and eps 1e-8; fields a type does not use are ignored.
/// </summary>
/// <param name="Type">The optimizer: one of <see cref="Optimizers.Known"/> (case-insensitive).</param>
/// <param name="LearningRate">The step size; must be positive.</param>
/// <param name="Momentum">The momentum coefficient of <c>momentum</c> and <c>nesterov</c>, in [0, 1).</param>
/// <param name="Beta1">Adam's and AdamW's decay rate for the first moment, in [0, 1).</param>
/// <param name="Beta2">Adam's and AdamW's decay rate for the second moment, in [0, 1).</param>
/// <param name="Epsilon">The denominator guard of the adaptive optimizers; must be positive.</param>
/// <param name="WeightDecay">
/// The L2 penalty added to the gradient as <c>WeightDecay * w</c>, or for <c>adamw</c> the decoupled decay
/// <c>w *= 1 - lr * WeightDecay</c>; zero turns it off.
/// </param>
/// <param name="Alpha">RMSProp's decay rate of the mean square, in [0, 1).</param>
/// <param name="Rho">AdaDelta's decay rate of both running means, in [0, 1).</param>
/// <param name="Schedule">How the shard varies the learning rate over its updates; null keeps it constant.</param>
public sealed record OptimizerSettings(
    string Type,
    float? LearningRate = null,
    float? Momentum = null,
    float? Beta1 = null,
    float? Beta2 = null,
    float? Epsilon = null,
    float? WeightDecay = null,
    float? Alpha = null,
    float? Rho = null,
    LearningRateSchedule? Schedule = null)
{
    /// <summary>The learning rate this run uses: the one set, or the type's default.</summary>
    public float EffectiveLearningRate => LearningRate ?? Optimizers.DefaultLearningRate(Type);
}
