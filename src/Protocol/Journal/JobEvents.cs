// The coordinator's journal of a job: what was submitted, which partitions trained, which checkpoints completed.
// A new coordinator (a restarted process, a new singleton, dtrain resume) rebuilds the job from these events.
// Wire messages, so they live in Protocol; the namespace stays Dtrain.Protocol.Persistence: it is part of every
// stored event's manifest.
using MessagePack;

namespace Dtrain.Protocol.Persistence;

/// <summary>Events of a job's journal (persistence id <c>dtrain/JOB/job</c>); all travel through MessagePack.</summary>
public static class JobEvents
{
    /// <summary>Anything the job journal persists.</summary>
    public interface IJobEvent : IWireMessage;

    /// <summary>
    /// The job as submitted: the model file's text and the <c>train</c> flags over it, and the data schema learned from
    /// its training split (<see cref="Models.Data.DataSchema.ToJson"/>; null for a job journaled before schemas
    /// travelled, which trained on MNIST). Export, eval and resume read the schema from here.
    /// </summary>
    [MessagePackObject]
    public sealed record JobSubmitted(
        [property: Key(0)] string JobId,
        [property: Key(1)] string ModelFile,
        [property: Key(2)] string ModelJson,
        [property: Key(3)] string[] TrainArgs,
        [property: Key(4)] string? DataSchemaJson = null) : IJobEvent
    {
        /// <summary>The job's data schema, or MNIST's when none was journaled; <paramref name="source"/> names the journal in errors.</summary>
        public Models.Data.DataSchema Schema(string source) =>
            DataSchemaJson is { Length: > 0 } json ? Models.Data.DataSchema.FromJson(json, source) : Models.Data.DataSchema.Mnist;
    }

    /// <summary>A worker reported a partition trained (what a checkpoint may not yet hold).</summary>
    [MessagePackObject]
    public sealed record PartitionTrained(
        [property: Key(0)] int Epoch,
        [property: Key(1)] int PartitionId,
        [property: Key(2)] int WorkerId,
        [property: Key(3)] int Steps) : IJobEvent;

    /// <summary>A worker or shard took part in the job (<see cref="Role"/> <c>worker</c> or <c>shard</c>).</summary>
    [MessagePackObject]
    public sealed record MemberSeen([property: Key(0)] string Role, [property: Key(1)] int Id, [property: Key(2)] string Node) : IJobEvent;

    /// <summary>
    /// Every shard confirmed checkpoint <see cref="CheckpointRecord.Id"/>: the job can go on from it. Only this
    /// event makes a checkpoint count.
    /// </summary>
    [MessagePackObject]
    public sealed record CheckpointCompleted([property: Key(0)] CheckpointRecord Checkpoint) : IJobEvent;

    /// <summary>Checkpoints deleted because newer ones are complete (the job keeps the last k).</summary>
    [MessagePackObject]
    public sealed record CheckpointsDropped([property: Key(0)] long[] Ids) : IJobEvent;

    /// <summary>The job went on from checkpoint <see cref="CheckpointId"/> (-1: from the start); <see cref="LostSteps"/> steps trained after it were redone.</summary>
    [MessagePackObject]
    public sealed record JobResumed([property: Key(0)] long CheckpointId, [property: Key(1)] long LostSteps, [property: Key(2)] string Reason) : IJobEvent;

    /// <summary>The job ended (<see cref="State"/> <c>completed</c> or <c>failed</c>).</summary>
    [MessagePackObject]
    public sealed record JobEnded([property: Key(0)] string State, [property: Key(1)] string Detail) : IJobEvent;

    /// <summary>
    /// The cluster coordinator accepted job <see cref="JobId"/> (the <see cref="JobCount"/>-th): a new singleton that finds
    /// no <see cref="ClusterJobEnded"/> after it resumes the job and reports to <see cref="Listener"/>, with the data schema
    /// <see cref="DataSchemaJson"/> learned at the start (null: MNIST), so a resumed job encodes its data as before.
    /// </summary>
    [MessagePackObject]
    public sealed record ClusterJobStarted(
        [property: Key(0)] string JobId,
        [property: Key(1)] int JobCount,
        [property: Key(2)] string ModelFile,
        [property: Key(3)] string ModelJson,
        [property: Key(4)] string[] TrainArgs,
        [property: Key(5)] Akka.Actor.IActorRef Listener,
        [property: Key(6)] string SubmissionId,
        [property: Key(7)] string? DataSchemaJson = null) : IJobEvent;

    /// <summary>The cluster's job <see cref="JobId"/> ended (<see cref="State"/> <c>completed</c> or <c>failed</c>).</summary>
    [MessagePackObject]
    public sealed record ClusterJobEnded([property: Key(0)] string JobId, [property: Key(1)] string State) : IJobEvent;

    /// <summary>
    /// Where a job stands at a checkpoint: the epoch in progress and its partitions done (an epoch-end checkpoint
    /// names the next epoch with none done), the counters the summary needs, and every evaluated epoch so far.
    /// <see cref="Best"/> marks an epoch-end checkpoint of the best epoch on validation so far: the newest one so marked
    /// is the job's best checkpoint, which <c>export --best</c> writes and the keep-k rule never deletes.
    /// </summary>
    [MessagePackObject]
    public sealed record CheckpointRecord(
        [property: Key(0)] long Id,
        [property: Key(1)] int Epoch,
        [property: Key(2)] int[] DonePartitions,
        [property: Key(3)] long Steps,
        [property: Key(4)] double TrainSeconds,
        [property: Key(5)] long TrainExamples,
        [property: Key(6)] double EpochLossSum,
        [property: Key(7)] long EpochSteps,
        [property: Key(8)] CoordinatorProtocol.EpochCompleted[] History,
        [property: Key(9)] int Shards,
        [property: Key(10)] long Bytes,
        [property: Key(11)] DateTime TakenUtc,
        [property: Key(12)] bool Best = false);
}
