// Turns OptimizerSettings from a run's configuration into an optimizer, rejecting settings that cannot train.
namespace Dtrain.Models.Optimizers;

/// <summary>
/// The optimizer factory: one table from type name to constructor. Unset hyperparameters take PyTorch's
/// defaults for the type: lr 1e-3 (sgd, momentum, nesterov, adam, adamw), 1e-2 (adagrad, rmsprop), 1
/// (adadelta); momentum 0.9; betas (0.9, 0.999); eps 1e-8 (adam, adamw, rmsprop), 1e-10 (adagrad), 1e-6
/// (adadelta); alpha 0.99; rho 0.9; weight decay 0, except 0.01 for adamw.
/// </summary>
public static class Optimizers
{
    private static readonly Dictionary<string, (float LearningRate, Func<OptimizerSettings, float, IOptimizer> Create)> Table =
        new(StringComparer.OrdinalIgnoreCase)
        {
            ["sgd"] = (1e-3f, (s, lr) => new Sgd(lr, Decay(s))),
            ["momentum"] = (1e-3f, (s, lr) => new Momentum(lr, CheckUnitInterval(s, s.Momentum ?? 0.9f, nameof(s.Momentum)), Decay(s))),
            ["nesterov"] = (1e-3f, (s, lr) => new Nesterov(lr, CheckUnitInterval(s, s.Momentum ?? 0.9f, nameof(s.Momentum)), Decay(s))),
            ["adagrad"] = (1e-2f, (s, lr) => new Adagrad(lr, CheckPositive(s, s.Epsilon ?? 1e-10f, nameof(s.Epsilon)), Decay(s))),
            ["rmsprop"] = (1e-2f, (s, lr) => new RmsProp(
                lr,
                CheckUnitInterval(s, s.Alpha ?? 0.99f, nameof(s.Alpha)),
                CheckPositive(s, s.Epsilon ?? 1e-8f, nameof(s.Epsilon)),
                Decay(s))),
            ["adadelta"] = (1f, (s, lr) => new Adadelta(
                lr,
                CheckUnitInterval(s, s.Rho ?? 0.9f, nameof(s.Rho)),
                CheckPositive(s, s.Epsilon ?? 1e-6f, nameof(s.Epsilon)),
                Decay(s))),
            ["adam"] = (1e-3f, (s, lr) => new Adam(
                lr,
                CheckUnitInterval(s, s.Beta1 ?? 0.9f, nameof(s.Beta1)),
                CheckUnitInterval(s, s.Beta2 ?? 0.999f, nameof(s.Beta2)),
                CheckPositive(s, s.Epsilon ?? 1e-8f, nameof(s.Epsilon)),
                Decay(s))),
            ["adamw"] = (1e-3f, (s, lr) => new AdamW(
                lr,
                CheckUnitInterval(s, s.Beta1 ?? 0.9f, nameof(s.Beta1)),
                CheckUnitInterval(s, s.Beta2 ?? 0.999f, nameof(s.Beta2)),
                CheckPositive(s, s.Epsilon ?? 1e-8f, nameof(s.Epsilon)),
                s.WeightDecay ?? 0.01f)),
        };

    /// <summary>The optimizer type names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyCollection<string> Known => Table.Keys;

    /// <summary>The learning rate a type uses when none is set; throws for an unknown type.</summary>
    public static float DefaultLearningRate(string type) => Entry(type).LearningRate;

    /// <summary>
    /// Creates the optimizer named by <see cref="OptimizerSettings.Type"/> (case-insensitive).
    /// Throws <see cref="DtrainException"/> naming the setting at fault for an unknown type, a learning rate
    /// that is not positive and finite, or a hyperparameter outside its range.
    /// </summary>
    public static IOptimizer Create(OptimizerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (defaultRate, create) = Entry(settings.Type);
        var learningRate = CheckPositive(settings, settings.LearningRate ?? defaultRate, nameof(settings.LearningRate));
        if (settings.WeightDecay is { } wd && (!float.IsFinite(wd) || wd < 0f))
            throw new DtrainException(
                $"Optimizer '{settings.Type}': {nameof(settings.WeightDecay)} must be zero or positive, got {wd}.");
        return create(settings, learningRate);
    }

    private static (float LearningRate, Func<OptimizerSettings, float, IOptimizer> Create) Entry(string type) =>
        !string.IsNullOrWhiteSpace(type) && Table.TryGetValue(type, out var entry)
            ? entry
            : throw new DtrainException($"Unknown optimizer type '{type}'; known types are: {string.Join(", ", Table.Keys)}.");

    private static float Decay(OptimizerSettings s) => s.WeightDecay ?? 0f;

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
