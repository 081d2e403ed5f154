// Placeholder until the optimizers branch lands.
namespace Dtrain.Models.Optimizers;

/// <summary>Optimizer choice and hyperparameters.</summary>
public sealed record OptimizerSettings(string Type, float LearningRate, float Momentum = 0.9f, float Beta1 = 0.9f, float Beta2 = 0.999f, float Epsilon = 1e-8f, float WeightDecay = 0f);
