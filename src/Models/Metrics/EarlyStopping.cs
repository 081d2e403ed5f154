// "early_stopping" in a training section, and the rule that picks the best epoch on validation and says when to stop.
using Dtrain.Models.Data;

namespace Dtrain.Models.Metrics;

/// <summary>
/// <c>"early_stopping": {"monitor": "val_loss", "patience": 3, "min_delta": 0}</c>: stop once <see cref="Patience"/>
/// epochs in a row have not improved <see cref="Monitor"/> by more than <see cref="MinDelta"/>.
/// </summary>
/// <param name="Monitor">A validation figure: <c>val_loss</c>, <c>val_accuracy</c>, <c>val_rmse</c>, ...</param>
/// <param name="Patience">Epochs without improvement before the job stops (at least 1).</param>
/// <param name="MinDelta">The least change that counts as an improvement (0 or more).</param>
public sealed record EarlyStopping(string Monitor = "val_loss", int Patience = 3, double MinDelta = 0)
{
    /// <summary>The prefix every monitor carries: "best" is chosen on validation, never on the test set.</summary>
    public const string Prefix = "val_";

    /// <summary>The monitors users may name, whatever the task.</summary>
    public static IEnumerable<string> KnownMonitors => TaskMetrics.AllFigures.Select(f => Prefix + f);

    /// <summary>The monitors that fit <paramref name="task"/>.</summary>
    public static IEnumerable<string> MonitorsOf(LearningTask task) => TaskMetrics.FiguresOf(task).Select(f => Prefix + f);

    /// <summary>The figure the monitor names, without its prefix (<c>loss</c> for <c>val_loss</c>).</summary>
    public string Figure => Monitor.StartsWith(Prefix, StringComparison.Ordinal) ? Monitor[Prefix.Length..] : Monitor;

    /// <summary>The first field out of range (prefixed <c>training.early_stopping</c>); null when all are valid.</summary>
    public string? FirstProblem() =>
        !KnownMonitors.Contains(Monitor) ? $"training.early_stopping.monitor '{Monitor}' is not known; known: {string.Join(", ", KnownMonitors)}"
        : Patience < 1 ? $"training.early_stopping.patience must be at least 1, got {Patience}"
        : !(MinDelta >= 0) || double.IsInfinity(MinDelta) ? $"training.early_stopping.min_delta must be zero or a positive number, got {MinDelta}"
        : null;
}

/// <summary>
/// Follows one validation figure over the epochs: which epoch was best (the first to reach the best value) and how
/// many epochs since have not improved on it by more than the minimum change. Plain state, replayable from history.
/// </summary>
public sealed class BestEpoch
{
    private readonly bool _higherIsBetter;
    private readonly double _minDelta;

    /// <summary>Follows <paramref name="figure"/> (without prefix), counting a change of more than <paramref name="minDelta"/> as better.</summary>
    public BestEpoch(string figure, double minDelta = 0)
    {
        Figure = figure;
        _higherIsBetter = TaskMetrics.HigherIsBetter(figure);
        _minDelta = minDelta;
    }

    /// <summary>The figure followed, without prefix.</summary>
    public string Figure { get; }

    /// <summary>The best epoch so far (0: none yet).</summary>
    public int Epoch { get; private set; }

    /// <summary>The figure at <see cref="Epoch"/>.</summary>
    public double Value { get; private set; }

    /// <summary>Epochs observed since the best one.</summary>
    public int EpochsWithoutImprovement { get; private set; }

    /// <summary>Takes epoch <paramref name="epoch"/>'s figure; true when it is the new best.</summary>
    public bool Observe(int epoch, double value)
    {
        var better = Epoch == 0 || (_higherIsBetter ? value > Value + _minDelta : value < Value - _minDelta);
        if (double.IsNaN(value))
        {
            better = false;
        }

        if (better)
        {
            (Epoch, Value, EpochsWithoutImprovement) = (epoch, value, 0);
        }
        else
        {
            EpochsWithoutImprovement++;
        }

        return better;
    }
}
