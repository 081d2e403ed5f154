// Messages of cluster mode: nodes register their shards and workers with the coordinator singleton,
// clients submit jobs and ask for the cluster's status.
using Akka.Actor;
using MessagePack;

namespace Dtrain.Protocol;

/// <summary>The messages the cluster coordinator (a cluster singleton) accepts and answers with.</summary>
public static class ClusterProtocol
{
    /// <summary>Anything the cluster coordinator accepts.</summary>
    public interface ICommand : IWireMessage;

    /// <summary>
    /// A PS node offers a shard actor. Sent periodically until <see cref="Registered"/> comes back, and again
    /// after a singleton hand-over, so a new coordinator learns every shard. <see cref="BulkEndpoint"/> and
    /// <see cref="BulkTarget"/> name the shard on the node's bulk data channel when it runs one.
    /// </summary>
    [MessagePackObject]
    public sealed record RegisterShard(
        [property: Key(0)] IActorRef Shard,
        [property: Key(1)] string Node,
        [property: Key(2)] string? BulkEndpoint = null,
        [property: Key(3)] string? BulkTarget = null) : ICommand;

    /// <summary>A worker node offers a worker actor (sent like <see cref="RegisterShard"/>) computing on <see cref="Device"/>.</summary>
    [MessagePackObject]
    public sealed record RegisterWorker([property: Key(0)] IActorRef Worker, [property: Key(1)] string Node, [property: Key(2)] string Device = "") : ICommand;

    /// <summary>Acknowledges a registration; <see cref="Coordinator"/> is the singleton that holds it.</summary>
    [MessagePackObject]
    public sealed record Registered([property: Key(0)] IActorRef Actor, [property: Key(1)] IActorRef Coordinator) : IWireMessage;

    /// <summary>
    /// A client submits a job: the model file's text and the <c>train</c> flags that override its training
    /// section. Reports (<see cref="CoordinatorProtocol"/>) go to <see cref="Listener"/>. The client resends it until
    /// accepted (a proxy may still point at a dead singleton); <see cref="SubmissionId"/> makes a resend harmless.
    /// </summary>
    [MessagePackObject]
    public sealed record SubmitJob(
        [property: Key(0)] string ModelFile,
        [property: Key(1)] string ModelJson,
        [property: Key(2)] string[] TrainArgs,
        [property: Key(3)] IActorRef Listener,
        [property: Key(4)] string SubmissionId = "") : ICommand;

    /// <summary>The job was accepted and starts (or waits for the shards and workers it needs).</summary>
    [MessagePackObject]
    public sealed record JobAccepted(
        [property: Key(0)] string JobId,
        [property: Key(1)] IActorRef Coordinator,
        [property: Key(2)] string Description) : IWireMessage;

    /// <summary>Asks for members, shards, workers and the job's progress.</summary>
    [MessagePackObject]
    public sealed record GetClusterStatus([property: Key(0)] long RequestId) : ICommand;

    /// <summary>One cluster member.</summary>
    [MessagePackObject]
    public sealed record MemberStatus([property: Key(0)] string Address, [property: Key(1)] string[] Roles, [property: Key(2)] string Status);

    /// <summary>One registered shard and its counters.</summary>
    [MessagePackObject]
    public sealed record ShardStatus(
        [property: Key(0)] int ShardId,
        [property: Key(1)] string Node,
        [property: Key(2)] int Floats,
        [property: Key(3)] long Version,
        [property: Key(4)] long Pushes,
        [property: Key(5)] double MeanStaleness,
        [property: Key(6)] long MaxStaleness);

    /// <summary>One registered worker and what it trained in the current job.</summary>
    [MessagePackObject]
    public sealed record WorkerStatus(
        [property: Key(0)] int WorkerId,
        [property: Key(1)] string Node,
        [property: Key(2)] int PartitionsDone,
        [property: Key(3)] long Steps,
        [property: Key(4)] double ExamplesPerSecond,
        [property: Key(5)] string Device = "");

    /// <summary>The current or last job.</summary>
    [MessagePackObject]
    public sealed record JobStatus(
        [property: Key(0)] string JobId,
        [property: Key(1)] string State,
        [property: Key(2)] int Epoch,
        [property: Key(3)] int Epochs,
        [property: Key(4)] int PartitionsDone,
        [property: Key(5)] int Partitions);

    /// <summary>Reply to <see cref="GetClusterStatus"/>.</summary>
    [MessagePackObject]
    public sealed record ClusterStatus(
        [property: Key(0)] long RequestId,
        [property: Key(1)] MemberStatus[] Members,
        [property: Key(2)] ShardStatus[] Shards,
        [property: Key(3)] WorkerStatus[] Workers,
        [property: Key(4)] JobStatus? Job) : IWireMessage;
}
