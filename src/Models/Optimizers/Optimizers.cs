// Turns OptimizerSettings from a run's configuration into an optimizer, rejecting settings that cannot train.
namespace Dtrain.Models.Optimizers;

/// <summary>The optimizer factory: one table from type name to constructor.</summary>
public static class Optimizers
{
    private static readonly Dictionary<string, Func<OptimizerSettings, IOptimizer>> Table =
        new(StringComparer.OrdinalIgnoreCase)
        {
            ["sgd"] = s => new Sgd(s.LearningRate, s.WeightDecay),
            ["momentum"] = s => new Momentum(s.LearningRate, CheckUnitInterval(s, s.Momentum, nameof(s.Momentum)), s.WeightDecay),
            ["adam"] = s => new Adam(
                s.LearningRate,
                CheckUnitInterval(s, s.Beta1, nameof(s.Beta1)),
                CheckUnitInterval(s, s.Beta2, nameof(s.Beta2)),
                CheckPositive(s, s.Epsilon, nameof(s.Epsilon)),
                s.WeightDecay),
        };

    /// <summary>The optimizer type names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyCollection<string> Known => Table.Keys;

    /// <summary>
    /// Creates the optimizer named by <see cref="OptimizerSettings.Type"/> (case-insensitive).
    /// Throws <see cref="DtrainException"/> naming the setting at fault for an unknown type, a learning rate
    /// that is not positive and finite, or a hyperparameter outside its range.
    /// </summary>
    public static IOptimizer Create(OptimizerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrWhiteSpace(settings.Type) || !Table.TryGetValue(settings.Type, out var create))
            throw new DtrainException(
                $"Unknown optimizer type '{settings.Type}'; known types are: {string.Join(", ", Table.Keys)}.");

        CheckPositive(settings, settings.LearningRate, nameof(settings.LearningRate));
        if (!float.IsFinite(settings.WeightDecay) || settings.WeightDecay < 0f)
            throw new DtrainException(
                $"Optimizer '{settings.Type}': {nameof(settings.WeightDecay)} must be zero or positive, got {settings.WeightDecay}.");
        return create(settings);
    }

    private static float CheckPositive(OptimizerSettings s, float value, string field)
    {
        // Written so NaN fails too: every comparison with NaN is false.
        if (!(value > 0f) || float.IsInfinity(value))
            throw new DtrainException($"Optimizer '{s.Type}': {field} must be a positive number, got {value}.");
        return value;
    }

    private static float CheckUnitInterval(OptimizerSettings s, float value, string field)
    {
        // 1 would never forget old gradients (and for Adam divides by 1 - 1^t = 0).
        if (!(value >= 0f && value < 1f))
            throw new DtrainException($"Optimizer '{s.Type}': {field} must be in [0, 1), got {value}.");
        return value;
    }
}
