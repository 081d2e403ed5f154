// The training modes through the coordinator, real shards and workers, every message serialized: synchronous
// rounds with a backup worker, a worker dying in the middle of a round, and bounded staleness.
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using Dtrain.ParameterServer;
using Dtrain.Protocol.Serialization;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.ParameterShardProtocol;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Worker.Tests;

public sealed class TrainingModeTests : TestKit
{
    public TrainingModeTests()
        : base(WireConfig.SingleProcess(serializeMessages: true))
    {
    }

    [Fact]
    public void Sync_with_a_backup_worker_trains_every_step_once_applied_or_dropped_and_the_model_learns()
    {
        var settings = new TrainingSettings { Batch = 16, Epochs = 3, Workers = 3, PsShards = 2, PartitionSize = 64, ChunkSize = 16, Optimizer = new("adam", 0.02f), Mode = TrainingMode.Sync, BackupWorkers = 1 };
        var listener = CreateTestProbe();

        StartJob(settings, listener, Enumerable.Range(0, 3).Select(_ => RealWorker()).ToList());
        var done = listener.ExpectMsg<JobCompleted>(TimeSpan.FromSeconds(60));

        Assert.True(done.TestAccuracy > 0.9, $"accuracy {done.TestAccuracy}");
        Assert.Equal(TrainingMode.Sync, done.Mode);
        foreach (var shard in done.Shards)
        {
            // 512 / 16 = 32 steps an epoch, 96 in all: each reached every shard, averaged into a round or dropped late.
            Assert.Equal(96, shard.PushesApplied + shard.LateDropped);
            Assert.InRange(shard.Rounds, 96 / 3, 96);
            Assert.Equal(0, shard.MaxStaleness);
        }

        // A round's parameters are always the newest: no step starts behind.
        Assert.Equal(0, done.MaxParameterLag);
    }

    [Fact]
    public void Sync_rounds_go_on_when_a_worker_dies_in_the_middle_of_one()
    {
        // No backups: every round waits for all three workers, so without the coordinator telling the shards that
        // the dead one has left, the first round would wait for it forever.
        var settings = new TrainingSettings { Batch = 16, Epochs = 1, Workers = 3, PsShards = 2, PartitionSize = 64, ChunkSize = 16, Optimizer = new("adam", 0.02f), Mode = TrainingMode.Sync };
        var listener = CreateTestProbe();
        var doomed = CreateTestProbe();

        var coordinator = StartJob(settings, listener, [doomed.Ref, RealWorker(), RealWorker()]);
        var join = doomed.ExpectMsg<JoinJob>(TimeSpan.FromSeconds(10));
        coordinator.Tell(new RequestWork(join.WorkerId), doomed.Ref);
        doomed.ExpectMsg<AssignPartition>(TimeSpan.FromSeconds(10));
        foreach (var route in join.Shards)
        {
            route.Shard.Tell(new SyncMembership(join.WorkerId, true), doomed.Ref);
        }

        Sys.Stop(doomed.Ref);
        var epoch = listener.ExpectMsg<EpochCompleted>(TimeSpan.FromSeconds(60));
        var done = listener.ExpectMsg<JobCompleted>(TimeSpan.FromSeconds(10));

        Assert.Equal(epoch.Partitions, epoch.PartitionsTrained);
        Assert.All(done.Shards, s => Assert.Equal(32, s.PushesApplied + s.LateDropped));
    }

    [Fact]
    public void Ssp_never_starts_a_step_more_than_staleness_versions_behind()
    {
        // Pulling only every 8 steps lets asynchronous workers run far behind; ssp with staleness 1 must not.
        var settings = new TrainingSettings { Batch = 16, Epochs = 2, Workers = 2, PsShards = 2, PartitionSize = 64, ChunkSize = 16, FetchEvery = 8, Optimizer = new("adam", 0.02f), Mode = TrainingMode.Ssp, Staleness = 1 };
        var listener = CreateTestProbe();

        StartJob(settings, listener, Enumerable.Range(0, 2).Select(_ => RealWorker()).ToList());
        var done = listener.ExpectMsg<JobCompleted>(TimeSpan.FromSeconds(60));

        Assert.Equal(TrainingMode.Ssp, done.Mode);
        Assert.InRange(done.MaxParameterLag, 0, 1);
        Assert.True(done.TestAccuracy > 0.85, $"accuracy {done.TestAccuracy}");
    }

    private IActorRef RealWorker() => Sys.ActorOf(Worker.Props(TinyJob.Data(512, 1), () => new CpuBackend(1)));

    private IActorRef StartJob(TrainingSettings settings, Akka.TestKit.TestProbe listener, IReadOnlyList<IActorRef> workers)
    {
        // These tests follow the end of the job (one also the single epoch): progress lines are not needed.
        listener.IgnoreMessages(m => m is TrainingProgress || (m is EpochCompleted && settings.Epochs > 1));
        var shards = Enumerable.Range(0, settings.PsShards).Select(_ => Sys.ActorOf(ParameterShard.Props())).ToList();
        return Sys.ActorOf(Coordinator.Coordinator.Props(TinyJob.Spec(settings), shards, workers, listener.Ref, TinyJob.Data(512, 1), TinyJob.Data(256, 9)));
    }
}
