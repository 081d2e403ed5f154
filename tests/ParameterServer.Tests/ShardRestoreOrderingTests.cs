// Loads in order: a shard restored twice (a resent request, a restore replaced by an older checkpoint's) ends
// holding the newest request's values plus every push after it, and refuses pushes computed before it.
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dtrain.Protocol;
using Dtrain.Protocol.Persistence;
using Dtrain.Protocol.Serialization;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer.Tests;

public sealed class ShardRestoreOrderingTests : IDisposable
{
    private static readonly ChunkInfo[] Chunks = [new(0, 0, 0, 40), new(1, 0, 0, 9)];
    private static readonly OptimizerSpec Adam = new("adam", 0.01f, null, 0.9f, 0.999f, 1e-8f, 0f);
    private readonly string _pid = $"dtrain/order-{Guid.NewGuid():N}/shard-0";
    private readonly TestKit _kit;
    private readonly IActorRef _shard;

    public ShardRestoreOrderingTests()
    {
        var storage = TestDatabases.NewSqlite();
        storage.Prepare();
        _kit = new TestKit(storage.ToConfig().WithFallback(WireConfig.SingleProcess(serializeMessages: true)));
        _shard = _kit.Sys.ActorOf(ParameterShard.Props());
    }

    [Fact]
    public void A_resent_restore_request_is_answered_again_and_does_not_roll_back_the_pushes_after_it()
    {
        // Arrange: checkpoint 1 holds version 2; the shard is restored from it and trains two more steps.
        Init(requestId: 11);
        Push(seq: 1, generation: 11);
        Push(seq: 2, generation: 11);
        Checkpoint(1);
        _shard.Tell(Restore(1, requestId: 12), _kit.TestActor);
        Assert.Equal(12, _kit.ExpectMsg<ShardReady>(TimeSpan.FromSeconds(30)).RequestId);
        Push(seq: 3, generation: 12);
        Push(seq: 4, generation: 12);
        var trained = Pull();

        // Act: the same request arrives again, as a bulk channel resends it after a reconnect.
        _shard.Tell(Restore(1, requestId: 12), _kit.TestActor);
        var again = _kit.ExpectMsg<ShardReady>(TimeSpan.FromSeconds(30));

        // Assert
        Assert.Equal(12, again.RequestId);
        var now = Pull();
        Assert.Equal(4, now.Version);
        Assert.Equal(trained.Values, now.Values);
    }

    [Fact]
    public void A_restore_replaced_by_a_newer_request_loads_only_the_newer_one_and_answers_only_it()
    {
        // Arrange: checkpoint 1 at version 1, checkpoint 2 at version 3.
        Init(requestId: 21);
        Push(seq: 1, generation: 21);
        Checkpoint(1);
        var atFirst = Pull();
        Push(seq: 2, generation: 21);
        Push(seq: 3, generation: 21);
        Checkpoint(2);

        // Act: the coordinator gives up checkpoint 2 for checkpoint 1 before the shard has read it.
        _shard.Tell(Restore(2, requestId: 22), _kit.TestActor);
        _shard.Tell(Restore(1, requestId: 23), _kit.TestActor);
        var ready = _kit.ExpectMsg<ShardReady>(TimeSpan.FromSeconds(30));

        // Assert: one answer, for the newer request, and checkpoint 1's values.
        Assert.Equal(23, ready.RequestId);
        _kit.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        var now = Pull();
        Assert.Equal(1, now.Version);
        Assert.Equal(atFirst.Values, now.Values);
    }

    [Fact]
    public void A_push_computed_before_a_restore_is_refused_and_one_after_it_is_applied()
    {
        // Arrange
        Init(requestId: 31);
        Push(seq: 1, generation: 31);
        Checkpoint(1);
        _shard.Tell(Restore(1, requestId: 32), _kit.TestActor);
        _kit.ExpectMsg<ShardReady>(TimeSpan.FromSeconds(30));

        // Act: a push in flight from before the restore, then the first one after it.
        _shard.Tell(new Push(0, 2, 1, FloatBuffer.CopyOf(Gradient(2)), null, 31), _kit.TestActor);
        var refused = _kit.ExpectMsg<PushRejected>();
        Push(seq: 3, generation: 32);

        // Assert
        Assert.Contains("before its last initialization or restore", refused.Reason);
        Assert.Equal(2, Pull().Version);
    }

    public void Dispose() => _kit.Shutdown();

    private RestoreShard Restore(long checkpoint, long requestId) => new(0, Chunks, Adam, 0, checkpoint, _pid, requestId);

    private static float[] Gradient(int seed) => Enumerable.Range(0, 49).Select(i => MathF.Sin((i * 0.37f) + seed) * 0.1f).ToArray();

    private void Init(long requestId)
    {
        var values = Enumerable.Range(0, 49).Select(i => MathF.Cos(i * 0.11f)).ToArray();
        _shard.Tell(new InitShard(0, Chunks, FloatBuffer.CopyOf(values), Adam, 0, requestId), _kit.TestActor);
        Assert.Equal(requestId, _kit.ExpectMsg<ShardReady>().RequestId);
    }

    private void Push(long seq, long generation)
    {
        _shard.Tell(new Push(0, seq, 0, FloatBuffer.CopyOf(Gradient((int)seq)), null, generation), _kit.TestActor);
        Assert.True(_kit.ExpectMsg<PushAck>().Applied);
    }

    private void Checkpoint(long id)
    {
        _shard.Tell(new TakeCheckpoint(id, _pid), _kit.TestActor);
        _kit.ExpectMsg<ShardCheckpointed>(TimeSpan.FromSeconds(30));
    }

    private (float[] Values, long Version) Pull()
    {
        _shard.Tell(new Pull(1, -1), _kit.TestActor);
        var p = _kit.ExpectMsg<Params>();
        var values = p.Values!.Span.ToArray();
        p.Values.Release();
        return (values, p.Version);
    }
}
