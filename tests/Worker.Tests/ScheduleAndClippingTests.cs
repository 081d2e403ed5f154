// The learning-rate schedule applied at a shard, and global-norm clipping applied by a worker before its
// push, each through serialized messages.
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Optimizers;
using Dtrain.ParameterServer;
using Dtrain.Protocol;
using Dtrain.Protocol.Serialization;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.ParameterShardProtocol;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Worker.Tests;

public sealed class ScheduleAndClippingTests : TestKit
{
    public ScheduleAndClippingTests()
        : base(WireConfig.SingleProcess(serializeMessages: true))
    {
    }

    [Fact]
    public void Shard_scales_each_update_by_its_schedule_after_warm_up()
    {
        // SGD lr 1, one warm-up update, then halving every update: steps of 1 (warm-up of 1 is the full rate),
        // then 1, 0.5, 0.25 for the later pushes of an all-ones gradient.
        var chunks = ChunkPlacement.Plan(TinyJob.Model, chunkSize: 16, shards: 1)[0];
        var floats = ChunkPlacement.Floats(chunks);
        var shard = Sys.ActorOf(ParameterShard.Props());
        var schedule = new LearningRateSchedule(ScheduleKind.Step, Warmup: 1, Gamma: 0.5f, StepSize: 1);
        shard.Tell(new InitShard(0, chunks, FloatBuffer.CopyOf(new float[floats]), OptimizerSpec.From(new OptimizerSettings("sgd", 1f, Schedule: schedule))));
        ExpectMsg<ShardReady>();

        for (var seq = 1; seq <= 4; seq++)
        {
            shard.Tell(new Push(0, seq, seq - 1, FloatBuffer.CopyOf(Enumerable.Repeat(1f, floats).ToArray())));
            ExpectMsg<PushAck>(a => a.Applied);
        }

        shard.Tell(new Pull(1, -1));
        var values = ExpectMsg<Params>().Values!;
        Assert.All(values.Span.ToArray(), v => Assert.Equal(-(1f + 1f + 0.5f + 0.25f), v, 1e-6f));
        values.Release();
    }

    [Fact]
    public void Worker_with_clip_norm_pushes_the_gradient_scaled_to_that_norm()
    {
        // The same step with and without clipping: the clipped push is the unclipped one times clip / norm.
        var unclipped = PushedGradient(clipNorm: 0f);
        var norm = Math.Sqrt(unclipped.Sum(g => (double)g * g));
        var clip = (float)(norm / 4);

        var clipped = PushedGradient(clip);

        Assert.Equal(clip, Math.Sqrt(clipped.Sum(g => (double)g * g)), clip * 1e-4);
        for (var i = 0; i < unclipped.Length; i++)
        {
            Assert.Equal(unclipped[i] / 4, clipped[i], 1e-5f);
        }
    }

    [Fact]
    public void Worker_with_a_clip_norm_above_the_gradient_norm_pushes_it_unchanged()
    {
        Assert.Equal(PushedGradient(clipNorm: 0f), PushedGradient(clipNorm: 1e6f));
    }

    /// <summary>Joins a worker to a probe standing in for the shard, answers its pull, and returns its first push.</summary>
    private float[] PushedGradient(float clipNorm)
    {
        var chunks = ChunkPlacement.Plan(TinyJob.Model, chunkSize: 16, shards: 1)[0];
        var coordinator = CreateTestProbe();
        var shard = CreateTestProbe();
        var worker = Sys.ActorOf(Worker.Props(TinyJob.Data(64, 4), () => new CpuBackend(1)));
        worker.Tell(new JoinJob("tiny", 0, "tiny.json", TinyJob.ModelJson, 8, 1, 1, [new ShardRoute(0, shard.Ref, chunks)], coordinator.Ref, clipNorm), coordinator.Ref);
        coordinator.ExpectMsg<RequestWork>();
        worker.Tell(new AssignPartition(1, 0, Enumerable.Range(0, 8).ToArray()), coordinator.Ref);

        var pull = shard.ExpectMsg<Pull>();
        var initial = new float[ChunkPlacement.Floats(chunks)];
        ChunkPlacement.Gather(TinyJob.Model.InitialParameters(7), chunks, initial);
        shard.Reply(new Params(0, pull.RequestId, 0, FloatBuffer.CopyOf(initial)));
        var push = shard.ExpectMsg<Push>();
        var gradient = push.Gradient.Span.ToArray();
        push.Gradient.Release();
        Sys.Stop(worker);
        return gradient;
    }
}
