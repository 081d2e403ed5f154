// Entry point of cluster mode's coordinator: a cluster singleton that keeps the registry of shards and
// workers, accepts submitted jobs and runs each one as a child job actor (the same one LocalJob runs).
using Akka.Actor;
using Dtrain.Models.Data;
using Dtrain.Protocol.Transport;
using static Dtrain.Protocol.ClusterProtocol;

namespace Dtrain.Coordinator;

/// <summary>
/// The coordinator of a cluster: runs as a cluster singleton on the nodes with role <c>coordinator</c> and
/// speaks <see cref="Protocol.ClusterProtocol"/>.
/// </summary>
public static class ClusterCoordinator
{
    /// <summary>Name of the singleton manager under <c>/user</c> (the singleton is its child <c>singleton</c>).</summary>
    public const string ManagerName = "coordinator";

    /// <summary>Name of the singleton proxy every node runs under <c>/user</c>; clients and registrars send to it.</summary>
    public const string ProxyName = "coordinator-proxy";

    /// <summary>
    /// Props for the singleton. <paramref name="prepareJob"/> turns a submission into a job with its data (a
    /// <see cref="Models.DtrainException"/> rejects it with its message); its second argument is the data schema a job
    /// being resumed was journaled with (null for a new job, whose schema is learned). The coordinator talks to shards
    /// over their bulk data channel where they have one, proving <paramref name="bulkCredentials"/>.
    /// </summary>
    public static Props Props(Func<SubmitJob, DataSchema?, PreparedJob> prepareJob, BulkCredentials bulkCredentials) =>
        Akka.Actor.Props.Create(() => new ClusterCoordinatorActor(prepareJob, bulkCredentials));

    /// <summary>
    /// A submitted job ready to run: the job (with its data schema) and what the coordinator reads of its data.
    /// <paramref name="TrainingIndex"/> is only an index (the training rows' count and shapes): the workers read the
    /// rows themselves. The coordinator scores <paramref name="ValidationSet"/> each epoch and <paramref name="TestSet"/>.
    /// </summary>
    public sealed record PreparedJob(JobSpec Job, ExampleSource TrainingIndex, ExampleSource? TestSet, ExampleSource? ValidationSet = null);

    /// <summary>A registered shard: its ref, node and bulk channel address (null where the node runs none).</summary>
    public sealed record ClusterShard(IActorRef Shard, string Node, string? BulkEndpoint, string? BulkTarget);

    /// <summary>A worker that registered while the job runs: it joins and gets partitions. (These three stay in the process.)</summary>
    public sealed record AddWorker(IActorRef Worker, string Node, string Device = "") : INoSerializationVerificationNeeded;

    /// <summary>Asks a job actor for its per-worker progress (answered with <see cref="JobSnapshot"/>).</summary>
    public sealed record GetJobSnapshot : INoSerializationVerificationNeeded
    {
        /// <summary>The only instance.</summary>
        public static readonly GetJobSnapshot Instance = new();
    }

    /// <summary>Per-worker progress and the floats each shard of the job holds.</summary>
    public sealed record JobSnapshot(WorkerStatus[] Workers, int[] ShardFloats) : INoSerializationVerificationNeeded;
}
