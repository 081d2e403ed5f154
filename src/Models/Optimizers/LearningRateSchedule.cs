// Learning-rate schedules a parameter-server shard applies by its update count: constant, step, exponential
// and cosine decay, each optionally after a linear warm-up. Pure functions of the update index.
namespace Dtrain.Models.Optimizers;

/// <summary>The decay families of <see cref="LearningRateSchedule"/>.</summary>
public enum ScheduleKind
{
    /// <summary>The base rate throughout.</summary>
    Constant,

    /// <summary>Multiplied by <see cref="LearningRateSchedule.Gamma"/> every <see cref="LearningRateSchedule.StepSize"/> updates (PyTorch's StepLR).</summary>
    Step,

    /// <summary>Multiplied by <see cref="LearningRateSchedule.Gamma"/> every update (PyTorch's ExponentialLR).</summary>
    Exponential,

    /// <summary>
    /// Half a cosine from the base rate down to <see cref="LearningRateSchedule.MinLearningRate"/> over the
    /// updates after warm-up (PyTorch's CosineAnnealingLR without restarts), then held there.
    /// </summary>
    Cosine,
}

/// <summary>
/// The learning rate of the shard's update number <c>i</c> (0-based: the number of updates it applied
/// before this one). During a warm-up of W updates the rate climbs linearly, <c>base * (i + 1) / W</c>;
/// after it, with <c>s = i - W</c> updates since warm-up ended:
/// constant <c>base</c>; step <c>base * gamma^floor(s / stepSize)</c>; exponential <c>base * gamma^s</c>;
/// cosine <c>min + (base - min) * (1 + cos(pi * min(s, T) / T)) / 2</c> with <c>T = Steps - W</c>.
/// </summary>
/// <param name="Kind">The decay after warm-up.</param>
/// <param name="Warmup">Updates of linear warm-up before the decay starts; 0 for none.</param>
/// <param name="Gamma">Decay factor of step (default 0.1) and exponential (required: per update, so near 1), in (0, 1].</param>
/// <param name="StepSize">Updates between decays of step (required).</param>
/// <param name="Steps">
/// Total updates of cosine, warm-up included; the rate reaches its minimum there. 0 means the whole run:
/// the coordinator fills in the updates each shard will apply (<see cref="Graph.TrainingSettings.WithScheduleResolved"/>).
/// </param>
/// <param name="MinLearningRate">Floor of cosine (absolute, like PyTorch's eta_min).</param>
public sealed record LearningRateSchedule(
    ScheduleKind Kind = ScheduleKind.Constant,
    int Warmup = 0,
    float? Gamma = null,
    int StepSize = 0,
    long Steps = 0,
    float MinLearningRate = 0f)
{
    /// <summary>The constant schedule without warm-up.</summary>
    public static LearningRateSchedule Constant { get; } = new();

    /// <summary>Names of the kinds as a settings file writes them.</summary>
    public static IReadOnlyList<string> KindNames { get; } = ["constant", "step", "exponential", "cosine"];

    /// <summary>Parses a kind name (case-insensitive), or null when unknown.</summary>
    public static ScheduleKind? ParseKind(string name)
    {
        var index = KindNames.ToList().FindIndex(n => n.Equals(name, StringComparison.OrdinalIgnoreCase));
        return index < 0 ? null : (ScheduleKind)index;
    }

    /// <summary>The rate of update <paramref name="update"/> (0-based) for a base rate <paramref name="baseRate"/>.</summary>
    public double LearningRate(double baseRate, long update)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(update);
        if (update < Warmup)
        {
            return baseRate * (update + 1) / Warmup;
        }

        var s = update - Warmup;
        switch (Kind)
        {
            case ScheduleKind.Constant:
                return baseRate;
            case ScheduleKind.Step:
                return baseRate * Math.Pow(Gamma ?? 0.1f, s / StepSize);
            case ScheduleKind.Exponential:
                return baseRate * Math.Pow(Gamma ?? 1f, s);
            case ScheduleKind.Cosine:
                // Steps not above the warm-up leaves nothing to decay over: the rate is already at its floor.
                var span = Steps - Warmup;
                var progress = span <= 0 ? 1.0 : (double)Math.Min(s, span) / span;
                return MinLearningRate + ((baseRate - MinLearningRate) * (1 + Math.Cos(Math.PI * progress)) / 2);
            default:
                throw new InvalidOperationException($"unknown schedule kind {Kind}");
        }
    }

    /// <summary>The first field out of range, as a message naming its settings key; null when all are valid.</summary>
    public string? FirstProblem(float baseRate)
    {
        if (Warmup < 0)
        {
            return $"lr_schedule.warmup must be zero or positive, got {Warmup}";
        }

        return Kind switch
        {
            ScheduleKind.Exponential when Gamma is null => "lr_schedule.gamma is required for exponential decay (the factor per update, e.g. 0.9995)",
            ScheduleKind.Step or ScheduleKind.Exponential when Gamma is { } g && !(g > 0f && g <= 1f) => $"lr_schedule.gamma must be in (0, 1], got {g}",
            ScheduleKind.Step when StepSize <= 0 => $"lr_schedule.step_size (updates between decays) must be positive, got {StepSize}",
            ScheduleKind.Cosine when Steps < 0 || (Steps > 0 && Steps <= Warmup) => $"lr_schedule.steps ({Steps}) must exceed lr_schedule.warmup ({Warmup}): cosine decays over the updates after warm-up",
            ScheduleKind.Cosine when !(MinLearningRate >= 0f && MinLearningRate <= baseRate) => $"lr_schedule.min_lr must be in [0, lr = {baseRate}], got {MinLearningRate}",
            _ => null,
        };
    }
}
