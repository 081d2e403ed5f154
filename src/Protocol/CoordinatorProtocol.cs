// Messages the coordinator accepts from workers, and the progress it reports to whoever started the job.
using MessagePack;

namespace Dtrain.Protocol;

/// <summary>The messages a coordinator accepts and the reports it sends to the job's listener.</summary>
public static class CoordinatorProtocol
{
    /// <summary>Anything the coordinator accepts.</summary>
    public interface ICommand : IWireMessage;

    /// <summary>A worker is idle and wants a partition.</summary>
    [MessagePackObject]
    public sealed record RequestWork([property: Key(0)] int WorkerId) : ICommand;

    /// <summary>A worker finished a partition: every push of it has been acknowledged.</summary>
    [MessagePackObject]
    public sealed record PartitionDone(
        [property: Key(0)] int WorkerId,
        [property: Key(1)] int Epoch,
        [property: Key(2)] int PartitionId,
        [property: Key(3)] int Examples,
        [property: Key(4)] int Steps,
        [property: Key(5)] double LossSum,
        [property: Key(6)] double ComputeSeconds,
        [property: Key(7)] long MaxParameterLag = 0) : ICommand;

    /// <summary>A worker cannot go on (bad model, rejected push); the job fails with this reason.</summary>
    [MessagePackObject]
    public sealed record WorkerFailed([property: Key(0)] int WorkerId, [property: Key(1)] string Reason) : ICommand;

    /// <summary>
    /// Report: a partition finished; what a live progress line shows. Keys 30-33 describe the partition's worker:
    /// its id (-1: unknown), the partition's mean loss, its examples per second of compute, and its steps.
    /// </summary>
    [MessagePackObject]
    public sealed record TrainingProgress(
        [property: Key(0)] int Epoch,
        [property: Key(1)] int PartitionsDone,
        [property: Key(2)] int Partitions,
        [property: Key(3)] long Steps,
        [property: Key(4)] double TrainLoss,
        [property: Key(5)] double ExamplesPerSecond,
        [property: Key(6)] double EpochEtaSeconds,
        [property: Key(7)] int WorkerId = -1,
        [property: Key(8)] double WorkerLoss = 0,
        [property: Key(9)] double WorkerExamplesPerSecond = 0,
        [property: Key(10)] int WorkerSteps = 0) : IWireMessage;

    /// <summary>
    /// The figures of one evaluation (a validation or test set scored), as <see cref="Models.Metrics.TaskMetrics"/>
    /// carries them: the task's own figures are set, the others null. Regression figures are in the data's units.
    /// </summary>
    [MessagePackObject]
    public sealed record EvaluationFigures(
        [property: Key(0)] string Task,
        [property: Key(1)] long Examples,
        [property: Key(2)] double Loss,
        [property: Key(3)] double? Accuracy = null,
        [property: Key(4)] double? TopKAccuracy = null,
        [property: Key(5)] int TopK = 0,
        [property: Key(6)] double? Rmse = null,
        [property: Key(7)] double? Mae = null,
        [property: Key(8)] double? R2 = null,
        [property: Key(9)] double? Mse = null,
        [property: Key(10)] double? RecallAccuracy = null)
    {
        /// <summary>The wire form of <paramref name="m"/>.</summary>
        public static EvaluationFigures From(Models.Metrics.TaskMetrics m) =>
            new(Models.Data.LearningTasks.Name(m.Task), m.Examples, m.Loss, m.Accuracy, m.TopKAccuracy, m.TopK, m.Rmse, m.Mae, m.R2, m.Mse, m.RecallAccuracy);

        /// <summary>The figure a monitor names without prefix (<c>loss</c>, <c>accuracy</c>, <c>rmse</c>, ...); null when absent.</summary>
        public double? Figure(string name) => name switch
        {
            "loss" => Loss,
            "accuracy" => Accuracy,
            "top_k_accuracy" => TopKAccuracy,
            "rmse" => Rmse,
            "mae" => Mae,
            "r2" => R2,
            "mse" => Mse,
            "recall_accuracy" => RecallAccuracy,
            _ => null,
        };
    }

    /// <summary>
    /// Report: one epoch trained and evaluated. <see cref="PartitionsTrained"/> of <see cref="Partitions"/> were
    /// reported done (equal unless the job is broken: a dead worker's partitions are trained by others).
    /// <see cref="TestAccuracy"/> is the test set's accuracy (0 when the task is not a classification, or there is no
    /// test set); <see cref="Validation"/> and <see cref="Test"/> hold every figure of the task (null: no such set).
    /// <see cref="BestSoFar"/> is true when this epoch is the best on validation so far (its checkpoint is the best one).
    /// <see cref="Phase"/> names the training program's phase the epoch belongs to (null for a model without a program).
    /// </summary>
    [MessagePackObject]
    public sealed record EpochCompleted(
        [property: Key(0)] int Epoch,
        [property: Key(1)] double TrainLoss,
        [property: Key(2)] double TestAccuracy,
        [property: Key(3)] double ExamplesPerSecond,
        [property: Key(4)] double TrainSeconds,
        [property: Key(5)] double ElapsedSeconds,
        [property: Key(6)] long Steps,
        [property: Key(7)] int PartitionsTrained = 0,
        [property: Key(8)] int Partitions = 0,
        [property: Key(9)] EvaluationFigures? Validation = null,
        [property: Key(10)] EvaluationFigures? Test = null,
        [property: Key(11)] bool BestSoFar = false,
        [property: Key(12)] string? Phase = null) : IWireMessage;

    /// <summary>
    /// Report: the job ended; the summary the CLI prints and writes with <c>--summary</c>. <see cref="Task"/> names the
    /// task; <see cref="BestEpoch"/> is the epoch best on <see cref="BestMonitor"/> (a validation figure; 0 without a
    /// validation set) and <see cref="BestCheckpoint"/> the checkpoint taken at its end (-1: none);
    /// <see cref="StoppedEarly"/> is true when early stopping ended the job before its last epoch.
    /// </summary>
    [MessagePackObject]
    public sealed record JobCompleted(
        [property: Key(0)] double TestAccuracy,
        [property: Key(1)] double BestTestAccuracy,
        [property: Key(2)] int Epochs,
        [property: Key(3)] double TrainExamplesPerSecond,
        [property: Key(4)] double WallSeconds,
        [property: Key(5)] int Workers,
        [property: Key(6)] int PsShards,
        [property: Key(7)] EpochCompleted[] History,
        [property: Key(8)] ParameterShardProtocol.ShardStats[] Shards,
        [property: Key(9)] Models.Graph.TrainingMode Mode = Models.Graph.TrainingMode.Async,
        [property: Key(10)] long MaxParameterLag = 0,
        [property: Key(11)] int Checkpoints = 0,
        [property: Key(12)] long LastCheckpoint = -1,
        [property: Key(13)] long ResumedFrom = -1,
        [property: Key(14)] long LostSteps = 0,
        [property: Key(15)] bool FinalCheckpointMissing = false,
        [property: Key(16)] string Task = "classification",
        [property: Key(17)] int BestEpoch = 0,
        [property: Key(18)] string BestMonitor = "",
        [property: Key(19)] long BestCheckpoint = -1,
        [property: Key(20)] bool StoppedEarly = false,
        [property: Key(21)] PhaseSummary[]? Phases = null) : IWireMessage;

    /// <summary>
    /// One phase of a training program in the run's summary: its epochs trained in this run, its training rate
    /// (examples per second of training time) and the train loss of its last epoch.
    /// </summary>
    [MessagePackObject]
    public sealed record PhaseSummary(
        [property: Key(0)] string Name,
        [property: Key(1)] int Epochs,
        [property: Key(2)] double ExamplesPerSecond,
        [property: Key(3)] double TrainLoss);

    /// <summary>
    /// Report: something the user should read while the job runs: a checkpoint written, one that failed and will be
    /// retried, the checkpoint a job resumed from. <see cref="Warning"/> marks the ones that say something went wrong.
    /// </summary>
    [MessagePackObject]
    public sealed record JobNotice([property: Key(0)] string Text, [property: Key(1)] bool Warning = false) : IWireMessage;

    /// <summary>Report: the job stopped with an error the user must see.</summary>
    [MessagePackObject]
    public sealed record JobFailed([property: Key(0)] string Reason) : IWireMessage;
}
