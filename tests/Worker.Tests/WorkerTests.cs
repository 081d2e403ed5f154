// The worker actor against a real parameter shard, with every message serialized through MessagePack.
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

public sealed class WorkerTests : TestKit
{
    public WorkerTests()
        : base(WireConfig.SingleProcess(serializeMessages: true))
    {
    }

    [Fact]
    public void Worker_trains_a_partition_and_reports_it_after_every_push_is_acknowledged()
    {
        var (shard, chunks) = StartShard();
        var coordinator = CreateTestProbe();
        var worker = Sys.ActorOf(Worker.Props(TinyJob.Data(64, 1), () => new CpuBackend(1)));

        worker.Tell(Join(coordinator, shard, chunks, pushEvery: 1), coordinator.Ref);
        coordinator.ExpectMsg<RequestWork>(r => r.WorkerId == 0);
        worker.Tell(new AssignPartition(1, 7, Enumerable.Range(0, 32).ToArray()), coordinator.Ref);
        var done = coordinator.ExpectMsg<PartitionDone>(TimeSpan.FromSeconds(10));

        Assert.Equal((1, 7, 32, 4), (done.Epoch, done.PartitionId, done.Examples, done.Steps));
        Assert.True(done.LossSum > 0 && double.IsFinite(done.LossSum));
        shard.Tell(new GetStats(1));
        var stats = ExpectMsg<ShardStats>();
        Assert.Equal(4, stats.PushesApplied);
        Assert.Equal(4, stats.Version);
    }

    [Fact]
    public void Worker_pushing_every_second_step_sends_half_as_many_pushes()
    {
        var (shard, chunks) = StartShard();
        var coordinator = CreateTestProbe();
        var worker = Sys.ActorOf(Worker.Props(TinyJob.Data(64, 2), () => new CpuBackend(1)));

        worker.Tell(Join(coordinator, shard, chunks, pushEvery: 2), coordinator.Ref);
        coordinator.ExpectMsg<RequestWork>();
        worker.Tell(new AssignPartition(1, 0, Enumerable.Range(0, 64).ToArray()), coordinator.Ref);
        var done = coordinator.ExpectMsg<PartitionDone>(TimeSpan.FromSeconds(10));

        Assert.Equal(8, done.Steps);
        shard.Tell(new GetStats(1));
        Assert.Equal(4, ExpectMsg<ShardStats>().PushesApplied);
    }

    [Fact]
    public void Worker_reports_failure_naming_the_sizes_when_a_shard_holds_other_chunks_than_its_route()
    {
        var (shard, chunks) = StartShard();
        var coordinator = CreateTestProbe();
        var worker = Sys.ActorOf(Worker.Props(TinyJob.Data(64, 3), () => new CpuBackend(1)));

        // The worker believes the shard owns one chunk fewer than it does: the first pull cannot be placed.
        worker.Tell(Join(coordinator, shard, chunks[..^1], pushEvery: 1), coordinator.Ref);
        coordinator.ExpectMsg<RequestWork>();
        worker.Tell(new AssignPartition(1, 0, Enumerable.Range(0, 16).ToArray()), coordinator.Ref);
        var failed = coordinator.FishForMessage<WorkerFailed>(_ => true, TimeSpan.FromSeconds(10));

        Assert.Contains($"sent {ChunkPlacement.Floats(chunks)} floats", failed.Reason);
        Assert.Contains($"{ChunkPlacement.Floats(chunks[..^1])} floats", failed.Reason);
        shard.Tell(new GetStats(1));
        Assert.Equal(0, ExpectMsg<ShardStats>().PushesApplied);
    }

    [Fact]
    public async Task Worker_fails_naming_the_shard_when_its_bulk_channel_cannot_deliver()
    {
        // A real bulk server that knows no shard called "ps-7": the worker's first pull cannot be delivered.
        var (shard, chunks) = StartShard();
        var credentials = Dtrain.Protocol.Transport.BulkCredentials.Generate();
        await using var server = Dtrain.Protocol.Transport.BulkServer.Start(Sys, "127.0.0.1", 0, _ => null, credentials);
        var coordinator = CreateTestProbe();
        var worker = Sys.ActorOf(Worker.Props(TinyJob.Data(64, 1), () => new CpuBackend(1), credentials));
        var route = new ShardRoute(0, shard, chunks, server.Endpoint, "ps-7");

        worker.Tell(Join(coordinator, shard, chunks, pushEvery: 1) with { Shards = [route] }, coordinator.Ref);
        coordinator.ExpectMsg<RequestWork>();
        worker.Tell(new AssignPartition(1, 0, Enumerable.Range(0, 32).ToArray()), coordinator.Ref);
        var failed = coordinator.ExpectMsg<WorkerFailed>(TimeSpan.FromSeconds(10));

        Assert.Contains("'ps-7'", failed.Reason);
        Assert.Contains(server.Endpoint, failed.Reason);
    }

    [Fact]
    public void Worker_that_joins_again_ignores_answers_to_pushes_it_sent_before_joining()
    {
        // Arrange: the worker trained 4 steps (pushes 1 to 4) for a job that is gone, then joins its successor.
        var (shard, chunks) = StartShard();
        var before = CreateTestProbe();
        var after = CreateTestProbe();
        var worker = Sys.ActorOf(Worker.Props(TinyJob.Data(64, 1), () => new CpuBackend(1)));
        worker.Tell(Join(before, shard, chunks, pushEvery: 1), before.Ref);
        before.ExpectMsg<RequestWork>();
        worker.Tell(new AssignPartition(1, 0, Enumerable.Range(0, 32).ToArray()), before.Ref);
        before.ExpectMsg<PartitionDone>(TimeSpan.FromSeconds(10));
        worker.Tell(Join(after, shard, chunks, pushEvery: 1), after.Ref);
        after.ExpectMsg<RequestWork>();

        // Act: a restored shard refuses push 4, computed before the restore, as the new job starts.
        worker.Tell(new PushRejected(0, 0, 4, "the shard is loading a checkpoint"), shard);
        worker.Tell(new AssignPartition(1, 1, Enumerable.Range(32, 32).ToArray()), after.Ref);

        // Assert: the new job's partition is trained, not failed.
        var done = after.ExpectMsg<PartitionDone>(TimeSpan.FromSeconds(10));
        Assert.Equal(4, done.Steps);
    }

    private (IActorRef Shard, ChunkInfo[] Chunks) StartShard()
    {
        var chunks = ChunkPlacement.Plan(TinyJob.Model, chunkSize: 16, shards: 1)[0];
        var shard = Sys.ActorOf(ParameterShard.Props());
        var initial = TinyJob.Model.InitialParameters(7);
        shard.Tell(new InitShard(0, chunks, FloatBuffer.CopyOf(initial), OptimizerSpec.From(new OptimizerSettings("sgd", 0.1f))));
        ExpectMsg<ShardReady>();
        return (shard, chunks);
    }

    private static JoinJob Join(Akka.TestKit.TestProbe coordinator, IActorRef shard, ChunkInfo[] chunks, int pushEvery) =>
        new("tiny", 0, "tiny.json", TinyJob.ModelJson, 8, 1, pushEvery, [new ShardRoute(0, shard, chunks)], coordinator.Ref);
}
