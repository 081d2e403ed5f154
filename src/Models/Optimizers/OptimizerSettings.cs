// The optimizer a run asks for, as read from its configuration; Optimizers.Create turns it into an IOptimizer.
namespace Dtrain.Models.Optimizers;

/// <summary>The optimizer type and its hyperparameters; fields a type does not use are ignored.</summary>
/// <param name="Type">The optimizer: <c>sgd</c>, <c>momentum</c> or <c>adam</c> (case-insensitive).</param>
/// <param name="LearningRate">The step size; must be positive.</param>
/// <param name="Momentum">The heavy-ball coefficient of <c>momentum</c>, in [0, 1).</param>
/// <param name="Beta1">Adam's decay rate for the first moment, in [0, 1).</param>
/// <param name="Beta2">Adam's decay rate for the second moment, in [0, 1).</param>
/// <param name="Epsilon">Adam's denominator guard; must be positive.</param>
/// <param name="WeightDecay">The L2 penalty added to the gradient as <c>WeightDecay * w</c>; zero turns it off.</param>
public sealed record OptimizerSettings(
    string Type,
    float LearningRate,
    float Momentum = 0.9f,
    float Beta1 = 0.9f,
    float Beta2 = 0.999f,
    float Epsilon = 1e-8f,
    float WeightDecay = 0f);
