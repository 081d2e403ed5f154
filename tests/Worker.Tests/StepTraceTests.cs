// A training step is one trace: the worker's spans and the shard's spans share it, through serialized messages.
using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Optimizers;
using Dtrain.ParameterServer;
using Dtrain.Protocol;
using Dtrain.Protocol.Serialization;
using Dtrain.Protocol.Telemetry;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.ParameterShardProtocol;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Worker.Tests;

/// <summary>The activity listener is process-wide: these tests run alone so no other test's steps mix in.</summary>
[CollectionDefinition(nameof(StepTraceTests), DisableParallelization = true)]
public sealed class StepTraceCollection;

[Collection(nameof(StepTraceTests))]
public sealed class StepTraceTests : TestKit
{
    public StepTraceTests()
        : base(WireConfig.SingleProcess(serializeMessages: true))
    {
    }

    [Fact]
    public void Each_step_is_one_trace_with_pull_forward_backward_push_and_the_shards_apply()
    {
        // Arrange: record every dtrain span, as a sampler that keeps all would.
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == DtrainTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var (shard, chunks) = StartShard();
        var coordinator = CreateTestProbe();
        var worker = Sys.ActorOf(Worker.Props(TinyJob.Data(64, 1), () => new CpuBackend(1)));

        // Act: 4 steps of 8 examples, a pull and a push each.
        worker.Tell(new JoinJob("tiny", 0, "tiny.json", TinyJob.ModelJson, 8, 1, 1, [new ShardRoute(0, shard, chunks)], coordinator.Ref), coordinator.Ref);
        coordinator.ExpectMsg<RequestWork>();
        worker.Tell(new AssignPartition(1, 0, Enumerable.Range(0, 32).ToArray()), coordinator.Ref);
        coordinator.ExpectMsg<PartitionDone>(TimeSpan.FromSeconds(10));
        AwaitCondition(() => spans.Count(s => s.DisplayName == MetricNames.Spans.Apply) == 4, TimeSpan.FromSeconds(5));

        // Assert: per step trace, the worker's phases hang under the step and the shard continues the same trace.
        var steps = spans.Where(s => s.DisplayName == MetricNames.Spans.Step).ToList();
        Assert.Equal(4, steps.Count);
        Assert.Equal(4, steps.Select(s => s.TraceId).Distinct().Count());
        foreach (var step in steps)
        {
            var trace = spans.Where(s => s.TraceId == step.TraceId).ToList();
            Activity Child(string name) => Assert.Single(trace, s => s.DisplayName == name && s.ParentSpanId == step.SpanId);
            var pull = Child(MetricNames.Spans.Pull);
            Child(MetricNames.Spans.Forward);
            Child(MetricNames.Spans.Backward);
            var push = Child(MetricNames.Spans.Push);
            Assert.Single(trace, s => s.DisplayName == MetricNames.Spans.ServePull && s.ParentSpanId == pull.SpanId);
            Assert.Single(trace, s => s.DisplayName == MetricNames.Spans.Apply && s.ParentSpanId == push.SpanId);
        }
    }

    [Fact]
    public void Without_a_listener_messages_carry_no_trace_context()
    {
        // Arrange
        var chunks = ChunkPlacement.Plan(TinyJob.Model, chunkSize: 16, shards: 1)[0];
        var coordinator = CreateTestProbe();
        var probe = CreateTestProbe();
        var worker = Sys.ActorOf(Worker.Props(TinyJob.Data(64, 1), () => new CpuBackend(1)));

        // Act: the worker talks to a probe standing in for the shard.
        worker.Tell(new JoinJob("tiny", 0, "tiny.json", TinyJob.ModelJson, 8, 1, 1, [new ShardRoute(0, probe.Ref, chunks)], coordinator.Ref), coordinator.Ref);
        coordinator.ExpectMsg<RequestWork>();
        worker.Tell(new AssignPartition(1, 0, Enumerable.Range(0, 8).ToArray()), coordinator.Ref);
        var pull = probe.ExpectMsg<Pull>();

        // Assert
        Assert.Null(pull.TraceParent);
    }

    private (IActorRef Shard, ChunkInfo[] Chunks) StartShard()
    {
        var chunks = ChunkPlacement.Plan(TinyJob.Model, chunkSize: 16, shards: 1)[0];
        var shard = Sys.ActorOf(ParameterShard.Props());
        shard.Tell(new InitShard(0, chunks, FloatBuffer.CopyOf(TinyJob.Model.InitialParameters(7)), OptimizerSpec.From(new OptimizerSettings("sgd", 0.1f))));
        ExpectMsg<ShardReady>();
        return (shard, chunks);
    }
}
