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
    /// Report: one epoch trained and evaluated. <see cref="PartitionsTrained"/> of <see cref="Partitions"/> were
    /// reported done (equal unless the job is broken: a dead worker's partitions are trained by others).
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
        [property: Key(8)] int Partitions = 0) : IWireMessage;

    /// <summary>Report: the job ended; the summary the CLI prints and writes with <c>--summary</c>.</summary>
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
        [property: Key(9)] string Mode = TrainingModes.Async,
        [property: Key(10)] long MaxParameterLag = 0,
        [property: Key(11)] int Checkpoints = 0,
        [property: Key(12)] long LastCheckpoint = -1,
        [property: Key(13)] long ResumedFrom = -1,
        [property: Key(14)] long LostSteps = 0,
        [property: Key(15)] bool FinalCheckpointMissing = false) : IWireMessage;

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
