// The parameter shard actor: pulls, exact optimizer updates, once-only pushes, rejected pushes, state chunks.
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dtrain.Models.Optimizers;
using Dtrain.Protocol;
using Dtrain.Protocol.Serialization;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer.Tests;

public sealed class ParameterShardTests : TestKit
{
    private static readonly ChunkInfo[] Chunks = [new(0, 0, 0, 3), new(0, 1, 3, 2), new(1, 0, 5, 2)];
    private static readonly float[] Initial = [0.5f, -1f, 2f, 0.25f, 4f, 1f, -3f];

    public ParameterShardTests()
        : base(WireConfig.SingleProcess(serializeMessages: true))
    {
    }

    [Fact]
    public void ParameterShard_answers_a_pull_with_its_initial_values_and_version_zero()
    {
        var shard = StartShard("sgd", 0.1f);

        var pulled = PullValues(shard);

        Assert.Equal(0, pulled.Version);
        Assert.Equal(Initial, pulled.Values);
    }

    [Fact]
    public void ParameterShard_skips_the_copy_when_the_puller_already_has_the_version()
    {
        var shard = StartShard("sgd", 0.1f);

        shard.Tell(new Pull(3, KnownVersion: 0));
        var reply = ExpectMsg<Params>();

        Assert.Null(reply.Values);
        Assert.Equal((3L, 0L), (reply.RequestId, reply.Version));
    }

    [Fact]
    public void ParameterShard_applies_sgd_exactly_and_counts_a_version()
    {
        var shard = StartShard("sgd", 0.1f);
        float[] gradient = [1f, 2f, -1f, 0f, 10f, 0.5f, -0.5f];

        shard.Tell(new Push(1, 1, 0, FloatBuffer.CopyOf(gradient)));
        var ack = ExpectMsg<PushAck>();
        var pulled = PullValues(shard);

        Assert.True(ack.Applied);
        Assert.Equal(1, ack.Version);
        Assert.Equal(1, pulled.Version);
        Assert.Equal(Initial.Zip(gradient, (w, g) => w - (0.1f * g)), pulled.Values);
    }

    [Fact]
    public void ParameterShard_applies_each_push_once()
    {
        var shard = StartShard("sgd", 0.1f);
        var gradient = Enumerable.Repeat(1f, Initial.Length).ToArray();
        shard.Tell(new Push(1, 5, 0, FloatBuffer.CopyOf(gradient)));
        ExpectMsg<PushAck>();
        var afterFirst = PullValues(shard);

        shard.Tell(new Push(1, 5, 0, FloatBuffer.CopyOf(gradient)));
        var retryAck = ExpectMsg<PushAck>();
        var afterRetry = PullValues(shard);

        Assert.False(retryAck.Applied);
        Assert.Equal(afterFirst.Version, afterRetry.Version);
        Assert.Equal(afterFirst.Values, afterRetry.Values);
        shard.Tell(new GetStats(1));
        var stats = ExpectMsg<ShardStats>();
        Assert.Equal(1, stats.PushesApplied);
        Assert.Equal(1, stats.DuplicatesIgnored);
    }

    [Fact]
    public void ParameterShard_applies_the_same_sequence_number_from_another_worker()
    {
        var shard = StartShard("sgd", 0.1f);
        var gradient = Enumerable.Repeat(1f, Initial.Length).ToArray();

        shard.Tell(new Push(1, 5, 0, FloatBuffer.CopyOf(gradient)));
        ExpectMsg<PushAck>();
        shard.Tell(new Push(2, 5, 0, FloatBuffer.CopyOf(gradient)));
        var ack = ExpectMsg<PushAck>();

        Assert.True(ack.Applied);
        Assert.Equal(2, ack.Version);
    }

    [Fact]
    public void ParameterShard_rejects_a_wrong_sized_push_and_changes_nothing()
    {
        var shard = StartShard("adam", 0.01f);

        shard.Tell(new Push(4, 1, 0, FloatBuffer.CopyOf(new float[Initial.Length - 1])));
        var rejected = ExpectMsg<PushRejected>();
        var pulled = PullValues(shard);

        Assert.Equal((4, 1L), (rejected.WorkerId, rejected.Seq));
        Assert.Contains($"carries {Initial.Length - 1} floats", rejected.Reason);
        Assert.Contains($"owns {Initial.Length} floats in {Chunks.Length} chunks", rejected.Reason);
        Assert.Equal(0, pulled.Version);
        Assert.Equal(Initial, pulled.Values);
    }

    [Fact]
    public void ParameterShard_rejects_a_push_before_it_has_chunks()
    {
        var shard = Sys.ActorOf(ParameterShard.Props());

        shard.Tell(new Push(1, 1, 0, FloatBuffer.CopyOf([1f])));

        Assert.Contains("not been initialized", ExpectMsg<PushRejected>().Reason);
    }

    [Fact]
    public void ParameterShard_adam_matches_the_published_update_over_two_steps()
    {
        var shard = StartShard("adam", 0.01f);
        float[][] gradients = [[0.1f, -0.2f, 0.3f, 0f, 1f, -1f, 2f], [-0.3f, 0.1f, 0.3f, 0.5f, 0.5f, -2f, 0.01f]];

        foreach (var (g, seq) in gradients.Select((g, i) => (g, i + 1)))
        {
            shard.Tell(new Push(1, seq, seq - 1, FloatBuffer.CopyOf(g)));
            ExpectMsg<PushAck>();
        }

        var pulled = PullValues(shard);

        // Kingma & Ba with bias correction, in double precision.
        var expected = new double[Initial.Length];
        for (var i = 0; i < Initial.Length; i++)
        {
            double w = Initial[i], m = 0, v = 0;
            for (var t = 1; t <= gradients.Length; t++)
            {
                var g = gradients[t - 1][i];
                m = (0.9 * m) + (0.1 * g);
                v = (0.999 * v) + (0.001 * g * g);
                w -= 0.01 * (m / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v / (1 - Math.Pow(0.999, t))) + 1e-8);
            }

            expected[i] = w;
        }

        Assert.All(Enumerable.Range(0, Initial.Length), i => Assert.Equal(expected[i], pulled.Values[i], 5));
    }

    [Fact]
    public void ParameterShard_stores_pushed_values_for_state_chunks_and_updates_the_rest()
    {
        ChunkInfo[] chunks = [new(0, 0, 0, 2), new(1, 0, 2, 2, State: true)];
        var shard = Sys.ActorOf(ParameterShard.Props());
        shard.Tell(new InitShard(0, chunks, FloatBuffer.CopyOf([1f, 1f, 0f, 0f]), OptimizerSpec.From(new OptimizerSettings("sgd", 0.5f))));
        ExpectMsg<ShardReady>();

        shard.Tell(new Push(1, 1, 0, FloatBuffer.CopyOf([2f, -2f, 7f, 9f])));
        ExpectMsg<PushAck>();
        var pulled = PullValues(shard);

        Assert.Equal([0f, 2f, 7f, 9f], pulled.Values);
    }

    [Fact]
    public void ParameterShard_reports_staleness_from_the_base_version_of_each_push()
    {
        var shard = StartShard("sgd", 0.01f);
        var gradient = new float[Initial.Length];

        // Versions at arrival are 0, 1, 2; base versions 0, 0, 0 give staleness 0, 1, 2.
        for (var seq = 1; seq <= 3; seq++)
        {
            shard.Tell(new Push(1, seq, 0, FloatBuffer.CopyOf(gradient)));
            ExpectMsg<PushAck>();
        }

        shard.Tell(new GetStats(1));
        var stats = ExpectMsg<ShardStats>();

        Assert.Equal(3, stats.PushesApplied);
        Assert.Equal(1.0, stats.MeanStaleness, 6);
        Assert.Equal(2, stats.MaxStaleness);
    }

    private IActorRef StartShard(string optimizer, float lr)
    {
        var shard = Sys.ActorOf(ParameterShard.Props());
        shard.Tell(new InitShard(0, Chunks, FloatBuffer.CopyOf(Initial), OptimizerSpec.From(new OptimizerSettings(optimizer, lr))));
        Assert.Equal(Initial.Length, ExpectMsg<ShardReady>().Floats);
        return shard;
    }

    private (long Version, float[] Values) PullValues(IActorRef shard)
    {
        shard.Tell(new Pull(99, -1));
        var reply = ExpectMsg<Params>();
        Assert.NotNull(reply.Values);
        var values = reply.Values.Span.ToArray();
        reply.Values.Release();
        return (reply.Version, values);
    }
}
