// One sample instance of every wire message, so serializer tests cover each type and fail on a new one without a sample.
using Akka.Actor;
using Dtrain.Protocol;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.ParameterShardProtocol;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Protocol.Tests;

/// <summary>Samples of every <see cref="IWireMessage"/> type in the Protocol assembly.</summary>
public static class WireMessages
{
    /// <summary>Every concrete wire message type.</summary>
    public static IReadOnlyList<Type> Types { get; } = typeof(IWireMessage).Assembly.GetTypes()
        .Where(t => typeof(IWireMessage).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .ToList();

    /// <summary>A sample of each type, with non-default values in every field.</summary>
    public static IReadOnlyDictionary<Type, object> Samples(IActorRef actor)
    {
        var chunks = new[] { new ChunkInfo(0, 0, 0, 3), new ChunkInfo(1, 2, 3, 2, State: true) };
        var optimizer = new OptimizerSpec("adam", 0.001f, 0.9f, 0.9f, 0.999f, 1e-8f, 0.01f);
        var stats = new ShardStats(1, 10, 9, 1, 2, 3, 0.5, 4, 0.25);
        var epoch = new EpochCompleted(2, 0.1, 0.97, 40000, 1.5, 3.0, 938);
        object[] samples =
        [
            new InitShard(1, chunks, FloatBuffer.CopyOf([1f, 2f, 3f, 4f, 5f]), optimizer),
            new ShardReady(1, 5),
            new Pull(7, 3),
            new Params(1, 7, 4, FloatBuffer.CopyOf([1.5f, -2f, float.Epsilon, 1e30f, 0f])),
            new Push(2, 11, 3, FloatBuffer.CopyOf([0.5f, 0.25f, -0.125f, 8f, 9f])),
            new PushAck(1, 2, 11, 4, true),
            new PushRejected(1, 2, 12, "wrong size"),
            new GetStats(5),
            stats,
            new JoinJob("job", 3, "m.json", "{}", 128, 2, 3, [new ShardRoute(1, actor, chunks)], actor),
            new AssignPartition(2, 5, [3, 1, 2]),
            new RequestWork(3),
            new PartitionDone(3, 2, 5, 640, 5, 12.5, 0.75),
            new WorkerFailed(3, "the loss became NaN"),
            new TrainingProgress(2, 3, 19, 500, 0.2, 40000, 1.2),
            epoch,
            new JobCompleted(0.97, 0.98, 3, 40000, 10, 2, 2, [epoch], [stats]),
            new JobFailed("a reason"),
        ];
        return samples.ToDictionary(s => s.GetType());
    }
}
