// Synchronous rounds at the shard, every message through MessagePack: the first N pushes of a round are averaged
// into one update, late ones are dropped and counted, pulls for the next round wait for the apply, and a round
// never waits for a worker that has left.
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dtrain.Protocol;
using Dtrain.Protocol.Serialization;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer.Tests;

public sealed class SyncRoundTests() : TestKit(WireConfig.SingleProcess(serializeMessages: true))
{
    private const float LearningRate = 0.5f;
    private static readonly ChunkInfo[] Chunks = [new(0, 0, 0, 19)];
    private static readonly float[] Initial = Enumerable.Range(0, 19).Select(i => 1f + (i * 0.5f)).ToArray();
    private static readonly OptimizerSpec Sgd = new("sgd", LearningRate, 0f, 0.9f, 0.999f, 1e-8f, 0f);

    [Fact]
    public void A_round_averages_the_first_quorum_pushes_into_one_update_and_drops_the_late_one()
    {
        var shard = StartShard(quorum: 2, activeWorkers: 3);
        var g0 = Gradient(1f);
        var g1 = Gradient(-3f);

        shard.Tell(new Push(0, 1, 0, FloatBuffer.CopyOf(g0)));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // one push of two: the round is still open
        shard.Tell(new Push(1, 1, 0, FloatBuffer.CopyOf(g1)));
        var acks = new[] { ExpectMsg<PushAck>(), ExpectMsg<PushAck>() };
        shard.Tell(new Push(2, 1, 0, FloatBuffer.CopyOf(Gradient(100f))));
        var late = ExpectMsg<PushAck>();
        shard.Tell(new Pull(7, -1));
        var pulled = ExpectMsg<Params>();
        shard.Tell(new GetStats(1));
        var stats = ExpectMsg<ShardStats>();

        Assert.All(acks, a => Assert.True(a.Applied && a.Version == 1));
        Assert.Equal(new PushAck(3, 2, 1, 1, false), late);
        var expected = Initial.Select((w, i) => w - (LearningRate * ((g0[i] + g1[i]) * 0.5f))).ToArray();
        Assert.Equal(expected, pulled.Values!.Span.ToArray());
        Assert.Equal(1, pulled.Version);
        Assert.Equal((1L, 1L, 2L), (stats.Rounds, stats.LateDropped, stats.PushesApplied));
    }

    [Fact]
    public void A_pull_for_the_next_round_is_answered_only_after_the_round_applies()
    {
        var shard = StartShard(quorum: 2, activeWorkers: 2);
        shard.Tell(new Push(0, 1, 0, FloatBuffer.CopyOf(Gradient(1f))));

        // Worker 0 has pushed round 0 and asks for round 1: it must wait for worker 1.
        shard.Tell(new Pull(11, 0));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        shard.Tell(new Push(1, 1, 0, FloatBuffer.CopyOf(Gradient(2f))));

        var replies = ReceiveN(3, TimeSpan.FromSeconds(5));
        var pulled = Assert.Single(replies.OfType<Params>());
        Assert.Equal(2, replies.OfType<PushAck>().Count());
        Assert.Equal((11L, 1L), (pulled.RequestId, pulled.Version));
        Assert.NotNull(pulled.Values);
    }

    [Fact]
    public void A_round_does_not_wait_for_a_worker_that_stopped_taking_part()
    {
        var shard = StartShard(quorum: 2, activeWorkers: 2);
        shard.Tell(new Push(0, 1, 0, FloatBuffer.CopyOf(Gradient(1f))));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        shard.Tell(new SyncMembership(1, false));
        var ack = ExpectMsg<PushAck>();

        Assert.True(ack.Applied);
        Assert.Equal(1, ack.Version);
    }

    [Fact]
    public void An_asynchronous_shard_ignores_round_membership_and_applies_every_push()
    {
        var shard = StartShard(quorum: 0, activeWorkers: 3);
        shard.Tell(new Push(0, 1, 0, FloatBuffer.CopyOf(Gradient(1f))));
        shard.Tell(new Push(1, 1, 0, FloatBuffer.CopyOf(Gradient(1f))));

        var acks = new[] { ExpectMsg<PushAck>(), ExpectMsg<PushAck>() };

        Assert.Equal([1L, 2L], acks.Select(a => a.Version));
    }

    private static float[] Gradient(float scale) => Enumerable.Range(0, Initial.Length).Select(i => scale * ((i % 5) - 2.25f)).ToArray();

    private IActorRef StartShard(int quorum, int activeWorkers)
    {
        var shard = Sys.ActorOf(ParameterShard.Props());
        shard.Tell(new InitShard(3, Chunks, FloatBuffer.CopyOf(Initial), Sgd, quorum));
        ExpectMsg<ShardReady>();
        for (var w = 0; w < activeWorkers; w++)
        {
            shard.Tell(new SyncMembership(w, true));
        }

        return shard;
    }
}
