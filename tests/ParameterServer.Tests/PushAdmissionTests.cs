// Which pushes a shard refuses outright: from workers not admitted to the job, numbered far past the last applied
// push (which would otherwise be adopted and turn every real push into a "duplicate"), or carrying NaN/infinity.
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dtrain.Protocol;
using Dtrain.Protocol.Serialization;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer.Tests;

public sealed class PushAdmissionTests() : TestKit(WireConfig.SingleProcess(serializeMessages: true))
{
    private static readonly ChunkInfo[] Chunks = [new(0, 0, 0, 37)];
    private static readonly float[] Initial = Enumerable.Range(0, 37).Select(i => i * 0.5f).ToArray();
    private static readonly OptimizerSpec Sgd = new("sgd", 0.1f, 0f, 0.9f, 0.999f, 1e-8f, 0f);

    [Fact]
    public void A_push_from_a_worker_not_admitted_to_the_job_is_refused_and_changes_nothing()
    {
        // Arrange
        var shard = StartShard(admitted: [0, 1]);

        // Act
        shard.Tell(new Push(7, 1, 0, FloatBuffer.CopyOf(Ones())));

        // Assert
        Assert.Contains("worker 7 is not a worker of this job", ExpectMsg<PushRejected>().Reason);
        Assert.Equal(Initial, PullValues(shard));
        Assert.True(Push(shard, 1, 1) is PushAck { Applied: true });
    }

    [Fact]
    public void A_seq_far_ahead_of_the_last_applied_is_refused_not_adopted_so_real_pushes_still_apply()
    {
        // Arrange
        var shard = StartShard(admitted: [0]);
        Assert.True(Push(shard, 0, 1) is PushAck { Applied: true });

        // Act: a forged push numbered 2^62 for the same worker.
        var forged = Push(shard, 0, 1L << 62);

        // Assert: refused; the worker's next real push is applied, not taken for a duplicate.
        Assert.Contains("ahead of its last applied push 1", Assert.IsType<PushRejected>(forged).Reason);
        Assert.True(Push(shard, 0, 2) is PushAck { Applied: true, Version: 2 });
        Assert.True(Push(shard, 0, 2 + 64) is PushAck { Applied: true }); // a gap of lost pushes within the bound is fine
    }

    [Fact]
    public void A_gradient_holding_nan_or_infinity_is_refused_and_the_parameters_stay_finite()
    {
        // Arrange
        var shard = StartShard(admitted: [0]);
        var nan = Ones();
        nan[35] = float.NaN;
        var infinite = Ones();
        infinite[3] = float.NegativeInfinity;

        // Act
        shard.Tell(new Push(0, 1, 0, FloatBuffer.CopyOf(nan)));
        var first = ExpectMsg<PushRejected>();
        shard.Tell(new Push(0, 2, 0, FloatBuffer.CopyOf(infinite)));
        var second = ExpectMsg<PushRejected>();

        // Assert
        Assert.Contains("NaN at float 35", first.Reason);
        Assert.Contains("at float 3", second.Reason);
        Assert.Equal(Initial, PullValues(shard));
    }

    [Fact]
    public void Admission_lasts_until_the_shard_is_initialized_again()
    {
        // Arrange
        var shard = StartShard(admitted: [0]);

        // Act: a new job incarnation initializes the shard and admits its own workers.
        shard.Tell(new InitShard(3, Chunks, FloatBuffer.CopyOf(Initial), Sgd));
        ExpectMsg<ShardReady>();
        shard.Tell(new AdmitWorkers([4]));

        // Assert
        Assert.IsType<PushRejected>(Push(shard, 0, 1));
        Assert.True(Push(shard, 4, 1) is PushAck { Applied: true });
    }

    private static float[] Ones() => Enumerable.Repeat(1f, Initial.Length).ToArray();

    private IActorRef StartShard(int[] admitted)
    {
        var shard = Sys.ActorOf(ParameterShard.Props());
        shard.Tell(new InitShard(3, Chunks, FloatBuffer.CopyOf(Initial), Sgd));
        ExpectMsg<ShardReady>();
        shard.Tell(new AdmitWorkers(admitted));
        return shard;
    }

    private object Push(IActorRef shard, int worker, long seq)
    {
        shard.Tell(new Push(worker, seq, 0, FloatBuffer.CopyOf(Ones())));
        return ExpectMsg<object>(TimeSpan.FromSeconds(3));
    }

    private float[] PullValues(IActorRef shard)
    {
        shard.Tell(new Pull(1, -1));
        return ExpectMsg<Params>().Values!.Span.ToArray();
    }
}
