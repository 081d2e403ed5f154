// Messages a worker accepts: join a job (model, shard routes) and train a partition of the data.
using Akka.Actor;
using MessagePack;

namespace Dtrain.Protocol;

/// <summary>The messages a worker accepts.</summary>
public static class WorkerProtocol
{
    /// <summary>Anything a worker accepts.</summary>
    public interface ICommand : IWireMessage;

    /// <summary>
    /// Where one shard lives and which chunks of the flat parameter vector it owns. In a cluster whose PS nodes
    /// run a bulk data channel, <see cref="BulkEndpoint"/> ("host:port") and <see cref="BulkTarget"/> (the
    /// shard's name there) say where the worker sends its pulls and pushes instead of <see cref="Shard"/>.
    /// <see cref="Generation"/> is the request id of the shard's load for this job, which every push carries.
    /// </summary>
    [MessagePackObject]
    public sealed record ShardRoute(
        [property: Key(0)] int ShardId,
        [property: Key(1)] IActorRef Shard,
        [property: Key(2)] ChunkInfo[] Chunks,
        [property: Key(3)] string? BulkEndpoint = null,
        [property: Key(4)] string? BulkTarget = null,
        [property: Key(5)] long Generation = 0);

    /// <summary>
    /// Makes the worker a replica of the job's model; it answers with <see cref="CoordinatorProtocol.RequestWork"/>.
    /// <see cref="ClipNorm"/> caps the global L2 norm of each pushed gradient (0: no clipping); with
    /// <see cref="OverlapPush"/> each shard's part is pushed as soon as backward has finished it. <see cref="Data"/> is the
    /// job's data as the worker reads it itself (<see cref="Models.Data.JobData.ToJson"/>: files, schema, split seed);
    /// null: the data set the worker was started with (MNIST, or the set of a one-process run).
    /// </summary>
    [MessagePackObject]
    public sealed record JoinJob(
        [property: Key(0)] string JobId,
        [property: Key(1)] int WorkerId,
        [property: Key(2)] string ModelFile,
        [property: Key(3)] string ModelJson,
        [property: Key(4)] int Batch,
        [property: Key(5)] int FetchEvery,
        [property: Key(6)] int PushEvery,
        [property: Key(7)] ShardRoute[] Shards,
        [property: Key(8)] IActorRef Coordinator,
        [property: Key(9)] float ClipNorm = 0f,
        [property: Key(10)] Models.Graph.TrainingMode Mode = Models.Graph.TrainingMode.Async,
        [property: Key(11)] int Staleness = 0,
        [property: Key(12)] bool OverlapPush = true,
        [property: Key(13)] string? Data = null) : ICommand;

    /// <summary>Train one partition: these training-set indices, in this order, in minibatches.</summary>
    [MessagePackObject]
    public sealed record AssignPartition([property: Key(0)] int Epoch, [property: Key(1)] int PartitionId, [property: Key(2)] int[] Indices) : ICommand;
}
