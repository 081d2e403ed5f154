// The parameter shard as an actor, with every message forced through MessagePack (serialize-messages on):
// pulls, exact optimizer updates, at-most-once pushes per (worker, seq), rejections and staleness counters.
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dtrain.Protocol;
using Dtrain.Protocol.Serialization;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer.Tests;

public sealed class ParameterShardTests() : TestKit(WireConfig.SingleProcess(serializeMessages: true))
{
    private const float LearningRate = 0.1f;

    // 37 floats in two chunks: enough for the optimizers' 16- and 8-wide vector loops and a scalar tail.
    private static readonly ChunkInfo[] Chunks = [new(0, 0, 0, 32), new(1, 0, 40, 5)];

    private static readonly float[] Initial = Enumerable.Range(0, 37).Select(i => 1f + (i * 0.25f) - (i % 3 * 0.7f)).ToArray();

    private static readonly OptimizerSpec Sgd = new("sgd", LearningRate, 0f, 0.9f, 0.999f, 1e-8f, 0f);

    private long _requests;

    [Fact]
    public void Pull_after_init_returns_the_initial_values_at_version_zero()
    {
        // Arrange
        var shard = StartShard(Sgd);

        // Act
        var pulled = Pull(shard, knownVersion: -1);

        // Assert
        Assert.Equal(3, pulled.ShardId);
        Assert.Equal(0, pulled.Version);
        Assert.Equal(Initial, pulled.Values!.Span.ToArray());
    }

    [Fact]
    public void Pull_with_the_current_version_returns_no_values()
    {
        // Arrange
        var shard = StartShard(Sgd);
        Push(shard, workerId: 1, seq: 1, baseVersion: 0, Gradient(1f));

        // Act
        var pulled = Pull(shard, knownVersion: 1);

        // Assert
        Assert.Equal(1, pulled.Version);
        Assert.Null(pulled.Values);
    }

    [Fact]
    public void Push_applies_sgd_exactly_and_advances_the_version()
    {
        // Arrange
        var shard = StartShard(Sgd);
        var gradient = Gradient(0.5f);

        // Act
        var ack = Push(shard, workerId: 1, seq: 1, baseVersion: 0, gradient);
        var pulled = Pull(shard, knownVersion: 0);

        // Assert: w - lr * g in float, the same rounding the shard does.
        Assert.Equal(new PushAck(3, 1, 1, 1, true), ack);
        Assert.Equal(1, pulled.Version);
        Assert.Equal(Initial.Select((w, i) => w - (LearningRate * gradient[i])), pulled.Values!.Span.ToArray());
    }

    [Fact]
    public void ParameterShard_applies_each_push_once()
    {
        // Arrange
        var shard = StartShard(Sgd);
        Push(shard, workerId: 1, seq: 1, baseVersion: 0, Gradient(1f));
        var before = Pull(shard, knownVersion: -1);

        // Act: the worker retries the same push (its ack was lost), then sends an older one.
        var retry = Push(shard, workerId: 1, seq: 1, baseVersion: 0, Gradient(1f));
        var older = Push(shard, workerId: 1, seq: 0, baseVersion: 0, Gradient(1f));
        var after = Pull(shard, knownVersion: -1);

        // Assert
        Assert.Equal(new PushAck(3, 1, 1, 1, false), retry);
        Assert.Equal(new PushAck(3, 1, 0, 1, false), older);
        Assert.Equal(1, after.Version);
        Assert.Equal(before.Values!.Span.ToArray(), after.Values!.Span.ToArray());
        var stats = Stats(shard);
        Assert.Equal((1, 2), (stats.PushesApplied, stats.DuplicatesIgnored));
    }

    [Fact]
    public void Same_seq_from_another_worker_is_applied()
    {
        // Arrange
        var shard = StartShard(Sgd);
        Push(shard, workerId: 1, seq: 1, baseVersion: 0, Gradient(1f));

        // Act
        var ack = Push(shard, workerId: 2, seq: 1, baseVersion: 0, Gradient(1f));

        // Assert
        Assert.Equal(new PushAck(3, 2, 1, 2, true), ack);
        Assert.Equal(2, Pull(shard, knownVersion: -1).Version);
    }

    [Fact]
    public void Wrong_sized_push_is_rejected_naming_both_sizes_and_changes_nothing()
    {
        // Arrange
        var shard = StartShard(Sgd);

        // Act
        shard.Tell(new Push(1, 1, 0, FloatBuffer.CopyOf([1f, 2f, 3f])));
        var rejected = ExpectMsg<PushRejected>();
        var pulled = Pull(shard, knownVersion: -1);

        // Assert
        Assert.Equal((3, 1, 1L), (rejected.ShardId, rejected.WorkerId, rejected.Seq));
        Assert.Contains("3 floats", rejected.Reason);
        Assert.Contains("37 floats", rejected.Reason);
        Assert.Equal(0, pulled.Version);
        Assert.Equal(Initial, pulled.Values!.Span.ToArray());
        Assert.Equal(1, Stats(shard).PushesRejected);
    }

    [Fact]
    public void Rejected_push_does_not_use_up_its_seq()
    {
        // Arrange
        var shard = StartShard(Sgd);
        shard.Tell(new Push(1, 1, 0, FloatBuffer.CopyOf([1f])));
        ExpectMsg<PushRejected>();

        // Act: the corrected push carries the same (worker, seq).
        var ack = Push(shard, workerId: 1, seq: 1, baseVersion: 0, Gradient(1f));

        // Assert
        Assert.True(ack.Applied);
    }

    [Fact]
    public void Push_before_init_is_rejected_with_a_clear_reason()
    {
        // Arrange
        var shard = Sys.ActorOf(ParameterShard.Props());

        // Act
        shard.Tell(new Push(1, 1, 0, FloatBuffer.CopyOf(Gradient(1f))));
        var rejected = ExpectMsg<PushRejected>();

        // Assert
        Assert.Equal((-1, 1, 1L), (rejected.ShardId, rejected.WorkerId, rejected.Seq));
        Assert.Contains("not been initialized", rejected.Reason);
    }

    [Fact]
    public void Pull_before_init_answers_without_values()
    {
        // Arrange
        var shard = Sys.ActorOf(ParameterShard.Props());

        // Act
        var pulled = Pull(shard, knownVersion: -1);

        // Assert
        Assert.Equal((-1, -1L), (pulled.ShardId, pulled.Version));
        Assert.Null(pulled.Values);
    }

    [Fact]
    public void Init_with_values_that_do_not_fill_the_chunks_fails_naming_both_counts()
    {
        // Arrange
        var shard = Sys.ActorOf(ParameterShard.Props());

        // Act
        shard.Tell(new InitShard(3, Chunks, FloatBuffer.CopyOf([1f, 2f]), Sgd));
        var rejected = ExpectMsg<InitShardRejected>();

        // Assert
        Assert.Equal(3, rejected.ShardId);
        Assert.Contains("2 floats", rejected.Reason);
        Assert.Contains("hold 37", rejected.Reason);
    }

    [Fact]
    public void Init_with_an_unknown_optimizer_is_rejected_and_the_shard_stays_uninitialized()
    {
        // Arrange
        var shard = Sys.ActorOf(ParameterShard.Props());

        // Act
        shard.Tell(new InitShard(3, Chunks, FloatBuffer.CopyOf(Initial), Sgd with { Type = "lion" }));
        var rejected = ExpectMsg<InitShardRejected>();
        shard.Tell(new Push(1, 1, 0, FloatBuffer.CopyOf(Gradient(1f))));

        // Assert
        Assert.Contains("'lion'", rejected.Reason);
        Assert.Contains("not been initialized", ExpectMsg<PushRejected>().Reason);
    }

    [Fact]
    public void Adam_at_the_shard_matches_the_published_rule()
    {
        // Arrange
        var adam = new OptimizerSpec("adam", 0.01f, 0f, 0.9f, 0.999f, 1e-8f, 0.01f);
        var shard = StartShard(adam);
        float[][] gradients = [Gradient(1f), Gradient(-0.3f)];

        // Act
        Push(shard, workerId: 1, seq: 1, baseVersion: 0, gradients[0]);
        Push(shard, workerId: 2, seq: 1, baseVersion: 0, gradients[1]);
        var pulled = Pull(shard, knownVersion: -1);

        // Assert
        var expected = ReferenceAdam(adam, Initial, gradients);
        var actual = pulled.Values!.Span.ToArray();
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 2e-6);
        }
    }

    [Fact]
    public void Stats_report_mean_and_max_staleness_from_the_base_version()
    {
        // Arrange
        var shard = StartShard(Sgd);

        // Act: three workers compute from version 0; the shard is at 0, 1 and 2 when their pushes land.
        // Worker 1 then pushes from the current version 3. A duplicate does not count.
        Push(shard, workerId: 1, seq: 1, baseVersion: 0, Gradient(1f));
        Push(shard, workerId: 2, seq: 1, baseVersion: 0, Gradient(1f));
        Push(shard, workerId: 3, seq: 1, baseVersion: 0, Gradient(1f));
        Push(shard, workerId: 1, seq: 2, baseVersion: 3, Gradient(1f));
        Push(shard, workerId: 3, seq: 1, baseVersion: 0, Gradient(1f));
        var stats = Stats(shard);

        // Assert: staleness 0, 1, 2, 0.
        Assert.Equal(0.75, stats.MeanStaleness, 1e-12);
        Assert.Equal(2, stats.MaxStaleness);
        Assert.Equal((3, 4L, 4L, 1L), (stats.ShardId, stats.Version, stats.PushesApplied, stats.DuplicatesIgnored));
    }

    /// <summary>Adam as Kingma and Ba publish it, with L2 decay folded into the gradient, in double precision.</summary>
    private static double[] ReferenceAdam(OptimizerSpec spec, float[] initial, float[][] gradients)
    {
        double lr = spec.LearningRate!.Value, b1 = spec.Beta1!.Value, b2 = spec.Beta2!.Value, eps = spec.Epsilon!.Value, wd = spec.WeightDecay!.Value;
        var w = initial.Select(x => (double)x).ToArray();
        var m = new double[w.Length];
        var v = new double[w.Length];
        for (var t = 1; t <= gradients.Length; t++)
        {
            for (var i = 0; i < w.Length; i++)
            {
                var g = gradients[t - 1][i] + (wd * w[i]);
                m[i] = (b1 * m[i]) + ((1 - b1) * g);
                v[i] = (b2 * v[i]) + ((1 - b2) * g * g);
                var mHat = m[i] / (1 - Math.Pow(b1, t));
                var vHat = v[i] / (1 - Math.Pow(b2, t));
                w[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
        }

        return w;
    }

    [Fact]
    public void State_chunks_store_the_pushed_values_while_the_rest_take_the_optimizer_step()
    {
        ChunkInfo[] chunks = [new(0, 0, 0, 2), new(1, 0, 2, 2, State: true)];
        var shard = Sys.ActorOf(ParameterShard.Props());
        shard.Tell(new InitShard(0, chunks, FloatBuffer.CopyOf([1f, 1f, 0f, 0f]), Sgd with { LearningRate = 0.5f }));
        ExpectMsg<ShardReady>();

        Push(shard, 1, 1, 0, [2f, -2f, 7f, 9f]);
        var pulled = Pull(shard, -1);

        Assert.Equal([0f, 2f, 7f, 9f], pulled.Values!.Span.ToArray());
    }

    /// <summary>A gradient of varied signs and magnitudes, scaled by <paramref name="scale"/>.</summary>
    private static float[] Gradient(float scale) =>
        Enumerable.Range(0, Initial.Length).Select(i => scale * (((i % 7) - 3) + 0.5f)).ToArray();

    private IActorRef StartShard(OptimizerSpec optimizer)
    {
        var shard = Sys.ActorOf(ParameterShard.Props());
        shard.Tell(new InitShard(3, Chunks, FloatBuffer.CopyOf(Initial), optimizer));
        Assert.Equal(new ShardReady(3, Initial.Length), ExpectMsg<ShardReady>());
        return shard;
    }

    private Params Pull(IActorRef shard, long knownVersion)
    {
        var requestId = ++_requests;
        shard.Tell(new Pull(requestId, knownVersion));
        var pulled = ExpectMsg<Params>();
        Assert.Equal(requestId, pulled.RequestId);
        return pulled;
    }

    private PushAck Push(IActorRef shard, int workerId, long seq, long baseVersion, float[] gradient)
    {
        shard.Tell(new Push(workerId, seq, baseVersion, FloatBuffer.CopyOf(gradient)));
        return ExpectMsg<PushAck>();
    }

    private ShardStats Stats(IActorRef shard)
    {
        // ShardStats does not echo the request id; one request is outstanding at a time here.
        shard.Tell(new GetStats(++_requests));
        return ExpectMsg<ShardStats>();
    }
}
