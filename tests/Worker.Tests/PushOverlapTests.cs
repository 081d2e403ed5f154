// The worker's push path: each shard's payload is the gradient a separate executor computes, whether it leaves as
// soon as backward has finished that shard's part (overlap) or after the whole backward; on the CPU backend and on
// ILGPU's CPU accelerator, whose fences report completion only when waited on.
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Backends.Ilgpu;
using Dtrain.Protocol;
using Dtrain.Protocol.Serialization;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.ParameterShardProtocol;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Worker.Tests;

public sealed class PushOverlapTests : TestKit
{
    private const int Batch = 8;

    // Shard 0 holds fc1 (weight 4x8 and bias: floats 0-39), shard 1 the output layer (weight 8x3 and bias: 40-66).
    private static readonly ChunkInfo[] FirstLayer = [new(0, 0, 0, 32), new(1, 0, 32, 8)];
    private static readonly ChunkInfo[] LastLayer = [new(2, 0, 40, 24), new(3, 0, 64, 3)];

    public PushOverlapTests()
        : base(WireConfig.SingleProcess(serializeMessages: true))
    {
    }

    public static TheoryData<string, bool> Cases => new()
    {
        { "cpu", true },
        { "cpu", false },
        { "ilgpu-cpu", true },
        { "ilgpu-cpu", false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_shard_receives_exactly_its_part_of_the_gradient_and_the_last_layer_leaves_first_when_overlapping(string device, bool overlap)
    {
        var data = TinyJob.Data(32, 5);
        var parameters = TinyJob.Model.InitialParameters(3);
        var shards = CreateTestProbe();
        var coordinator = CreateTestProbe();
        var worker = Sys.ActorOf(Worker.Props(data, () => Backend(device)));
        ShardRoute[] routes = [new(0, shards.Ref, FirstLayer), new(1, shards.Ref, LastLayer)];

        worker.Tell(new JoinJob("tiny", 0, "tiny.json", TinyJob.ModelJson, Batch, 1, 1, routes, coordinator.Ref, OverlapPush: overlap), coordinator.Ref);
        coordinator.ExpectMsg<RequestWork>(TimeSpan.FromSeconds(30));
        worker.Tell(new AssignPartition(1, 0, Enumerable.Range(0, Batch).ToArray()), coordinator.Ref);
        var pull = shards.ExpectMsg<Pull>(TimeSpan.FromSeconds(30));
        shards.ExpectMsg<Pull>();
        worker.Tell(new Params(0, pull.RequestId, 1, FloatBuffer.CopyOf(parameters.AsSpan(0, 40))));
        worker.Tell(new Params(1, pull.RequestId, 1, FloatBuffer.CopyOf(parameters.AsSpan(40, 27))));
        var first = shards.ExpectMsg<Push>(TimeSpan.FromSeconds(60));
        var second = shards.ExpectMsg<Push>(TimeSpan.FromSeconds(10));
        worker.Tell(new PushAck(0, 0, first.Seq, 2, true));
        worker.Tell(new PushAck(1, 0, second.Seq, 2, true));
        coordinator.ExpectMsg<PartitionDone>(TimeSpan.FromSeconds(10));

        // Backward finishes the output layer first: overlapping, its shard is pushed first; otherwise route order.
        Assert.Equal(overlap ? 27 : 40, first.Gradient.Length);
        var byLength = new[] { first, second }.ToDictionary(p => p.Gradient.Length, p => p.Gradient.Span.ToArray());
        var expected = ReferenceGradient(data, parameters);
        AssertClose(expected.AsSpan(0, 40), byLength[40]);
        AssertClose(expected.AsSpan(40, 27), byLength[27]);
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    public void A_loss_that_is_not_finite_fails_the_step_before_any_gradient_leaves(string device)
    {
        var shards = CreateTestProbe();
        var coordinator = CreateTestProbe();
        var worker = Sys.ActorOf(Worker.Props(TinyJob.Data(32, 5), () => Backend(device)));
        ShardRoute[] routes = [new(0, shards.Ref, FirstLayer), new(1, shards.Ref, LastLayer)];
        worker.Tell(new JoinJob("tiny", 0, "tiny.json", TinyJob.ModelJson, Batch, 1, 1, routes, coordinator.Ref), coordinator.Ref);
        coordinator.ExpectMsg<RequestWork>(TimeSpan.FromSeconds(30));
        worker.Tell(new AssignPartition(1, 3, Enumerable.Range(0, Batch).ToArray()), coordinator.Ref);
        var pull = shards.ExpectMsg<Pull>(TimeSpan.FromSeconds(30));
        shards.ExpectMsg<Pull>();

        // Weights of NaN: the loss is NaN, and with overlap on the output layer's gradient would be ready first.
        worker.Tell(new Params(0, pull.RequestId, 1, FloatBuffer.CopyOf(Enumerable.Repeat(float.NaN, 40).ToArray())));
        worker.Tell(new Params(1, pull.RequestId, 1, FloatBuffer.CopyOf(Enumerable.Repeat(float.NaN, 27).ToArray())));

        var failed = coordinator.ExpectMsg<WorkerFailed>(TimeSpan.FromSeconds(60));
        Assert.Contains("the loss became NaN at epoch 1, partition 3", failed.Reason);

        // A push would have been queued to the probe before WorkerFailed was sent, on the worker's thread.
        Assert.False(shards.HasMessages);
    }

    private static IBackend Backend(string device) => device == "cpu" ? new CpuBackend(1) : IlgpuDevices.Open(IlgpuDeviceKind.Cpu);

    /// <summary>The gradient of the first batch at <paramref name="parameters"/>, from an executor of its own.</summary>
    private static float[] ReferenceGradient(Dtrain.Models.Data.Dataset data, float[] parameters)
    {
        using var backend = new CpuBackend(1);
        using var executor = new GraphExecutor(TinyJob.Model, backend, Batch, training: true);
        var features = new float[Batch * data.FeatureSize];
        var labels = new float[Batch];
        data.Gather(Enumerable.Range(0, Batch).ToArray(), features, labels);
        backend.Upload(parameters, executor.Parameters);
        executor.SetBatch(features, labels, Batch);
        executor.Forward();
        executor.Backward();
        var gradient = new float[parameters.Length];
        backend.Download(executor.Gradients, gradient);
        return gradient;
    }

    private static void AssertClose(ReadOnlySpan<float> expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"float {i}: expected {expected[i]}, pushed {actual[i]}");
        }
    }
}
