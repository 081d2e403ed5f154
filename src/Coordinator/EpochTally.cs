// The job's running figures: each epoch's loss, steps and examples as partitions are done, the history of evaluated
// epochs, the best epoch on validation and early stopping, and the position a checkpoint records.
using Dtrain.Models.Metrics;
using Dtrain.Protocol.Persistence;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Coordinator;

/// <summary>
/// Tallies a job's training as partitions are reported done, once each (the schedule drops late duplicates). Plain
/// state: a checkpoint's record is taken from it, and a resumed job puts it back from one. Times are given by the
/// caller, so the figures are tested without a clock.
/// </summary>
public sealed class EpochTally
{
    private readonly List<EpochCompleted> _history = [];
    private readonly int _trainingExamples;

    /// <summary>A tally over <paramref name="trainingExamples"/> training examples; <paramref name="best"/> follows validation (null without a validation set).</summary>
    public EpochTally(int trainingExamples, BestEpoch? best)
    {
        _trainingExamples = trainingExamples;
        Best = best;
    }

    /// <summary>The best epoch on the validation figure "best" is chosen on; null without a validation set.</summary>
    public BestEpoch? Best { get; }

    /// <summary>Epochs evaluated so far (and those a resumed job's checkpoint held), in order.</summary>
    public IReadOnlyList<EpochCompleted> History => _history;

    /// <summary>Sum of the losses of the current epoch's examples trained so far.</summary>
    public double EpochLoss { get; private set; }

    /// <summary>Steps of the current epoch so far.</summary>
    public long EpochSteps { get; private set; }

    /// <summary>Steps of the epochs before the current one.</summary>
    public long TotalSteps { get; private set; }

    /// <summary>Seconds spent training (not evaluating) in completed epochs.</summary>
    public double TrainSeconds { get; private set; }

    /// <summary>Examples trained over the whole job.</summary>
    public long TrainExamples { get; private set; }

    /// <summary>Examples of the current epoch a checkpoint already held: not trained in this run, so not in its rate.</summary>
    public int SkippedExamples { get; private set; }

    /// <summary>The largest version lag any worker reported.</summary>
    public long MaxParameterLag { get; private set; }

    /// <summary>Whether the epoch evaluated last is the best so far: its end-of-epoch checkpoint is the best one.</summary>
    public bool EvaluatedIsBest { get; private set; }

    /// <summary>True once early stopping has ended the job.</summary>
    public bool StoppedEarly { get; private set; }

    /// <summary>Starts an epoch; from a checkpoint, <paramref name="epoch"/> skips the partitions it holds and the epoch's loss and steps so far come back.</summary>
    public void BeginEpoch(PartitionSchedule epoch, JobEvents.CheckpointRecord? from = null)
    {
        EpochLoss = from?.EpochLossSum ?? 0;
        EpochSteps = from?.EpochSteps ?? 0;
        SkippedExamples = 0;
        if (from is not null)
        {
            epoch.Skip(from.DonePartitions);
            SkippedExamples = from.DonePartitions.Sum(p => epoch.Partitions[p].Length);
        }
    }

    /// <summary>Every report counts for the parameter lag; <paramref name="firstReport"/> (not a late duplicate) also adds its loss, steps and examples.</summary>
    public void PartitionDone(PartitionDone done, bool firstReport)
    {
        MaxParameterLag = Math.Max(MaxParameterLag, done.MaxParameterLag);
        if (firstReport)
        {
            EpochLoss += done.LossSum;
            EpochSteps += done.Steps;
            TrainExamples += done.Examples;
        }
    }

    /// <summary>Progress after <paramref name="done"/>, <paramref name="elapsedSeconds"/> into the epoch: mean loss, rate and time left.</summary>
    public TrainingProgress Progress(PartitionSchedule epoch, PartitionDone done, double elapsedSeconds)
    {
        var epochExamples = epoch.Partitions.Where((_, i) => epoch.IsDone(i)).Sum(p => p.Length);
        var rate = (epochExamples - SkippedExamples) / Math.Max(elapsedSeconds, 1e-9);
        var remaining = _trainingExamples - epochExamples;
        var workerLoss = done.LossSum / Math.Max(done.Examples, 1);
        return new TrainingProgress(epoch.Epoch, epoch.DoneCount, epoch.Partitions.Length, TotalSteps + EpochSteps, EpochLoss / Math.Max(epochExamples, 1), rate, remaining / Math.Max(rate, 1e-9), done.WorkerId, workerLoss, done.Examples / Math.Max(done.ComputeSeconds, 1e-9), done.Steps);
    }

    /// <summary>Every partition of the epoch is done, after <paramref name="seconds"/> of training.</summary>
    public void EndEpoch(double seconds)
    {
        TrainSeconds += seconds;
        TotalSteps += EpochSteps;
    }

    /// <summary>
    /// The report of an evaluated epoch, added to the history: its train loss, rate and figures, and whether it is the
    /// best on validation so far.
    /// </summary>
    public EpochCompleted Evaluated(PartitionSchedule epoch, double trainSeconds, double wallSeconds, EvaluationFigures? validation, EvaluationFigures? test, string? phase = null)
    {
        var examples = epoch.Partitions.Sum(p => p.Length);
        var report = new EpochCompleted(
            epoch.Epoch,
            EpochLoss / examples,
            test?.Accuracy ?? 0,
            (examples - SkippedExamples) / trainSeconds,
            trainSeconds,
            wallSeconds,
            TotalSteps,
            epoch.DoneCount,
            epoch.Partitions.Length,
            validation,
            test,
            Phase: phase);
        EvaluatedIsBest = ObserveBest(report);
        report = report with { BestSoFar = EvaluatedIsBest };
        _history.Add(report);
        return report;
    }

    /// <summary>
    /// Early stopping: true once the monitor has gone <c>patience</c> epochs without improving. Checked before the
    /// epoch-end checkpoint, so that checkpoint is the job's final one.
    /// </summary>
    public bool ShouldStopEarly(EarlyStopping? rule)
    {
        if (rule is null || Best is null || Best.EpochsWithoutImprovement < rule.Patience)
        {
            return false;
        }

        StoppedEarly = true;
        return true;
    }

    /// <summary>
    /// The job's position for a checkpoint (id 0: the plan gives it): the epoch in progress with its partitions done,
    /// or after an epoch's evaluation (<paramref name="epochEnd"/>) the next epoch with none done.
    /// </summary>
    public JobEvents.CheckpointRecord Position(PartitionSchedule epoch, bool epochEnd, int shards, DateTime takenUtc) => new(
        0,
        epochEnd ? epoch.Epoch + 1 : epoch.Epoch,
        epochEnd ? [] : epoch.DonePartitions(),
        TotalSteps + (epochEnd ? 0 : EpochSteps),
        TrainSeconds,
        TrainExamples,
        epochEnd ? 0 : EpochLoss,
        epochEnd ? 0 : EpochSteps,
        [.. _history],
        shards,
        0,
        takenUtc,
        Best: epochEnd && EvaluatedIsBest);

    /// <summary>Puts back the history, the best epoch and the counters as they stood when <paramref name="from"/> was taken.</summary>
    public void Restore(JobEvents.CheckpointRecord from)
    {
        _history.AddRange(from.History);
        foreach (var epoch in from.History)
        {
            ObserveBest(epoch);
        }

        // A mid-epoch record's steps include the epoch's so far, which BeginEpoch puts back into EpochSteps.
        (TotalSteps, TrainSeconds, TrainExamples) = (from.Steps - from.EpochSteps, from.TrainSeconds, from.TrainExamples);
    }

    /// <summary>The last epoch's headline figure for the journal: test accuracy, RMSE or MSE by task (validation's without a test set).</summary>
    public string Headline()
    {
        var last = _history.Count > 0 ? _history[^1] : null;
        var (set, figures) = last?.Test is { } test ? ("test", test) : last?.Validation is { } validation ? ("validation", validation) : ("test", null);
        var c = System.Globalization.CultureInfo.InvariantCulture;
        return figures switch
        {
            { Accuracy: { } a } => string.Create(c, $"{set} accuracy {a:P2}"),
            { Rmse: { } r } => string.Create(c, $"{set} RMSE {r:G4}"),
            { Mse: { } m } => string.Create(c, $"{set} MSE {m:G4}"),
            _ => string.Create(c, $"test accuracy {last?.TestAccuracy ?? 0:P2}"),
        };
    }

    /// <summary>Follows the best epoch on validation; true when <paramref name="epoch"/> is the new best.</summary>
    private bool ObserveBest(EpochCompleted epoch) =>
        Best is not null && epoch.Validation?.Figure(Best.Figure) is { } value && Best.Observe(epoch.Epoch, value);
}
