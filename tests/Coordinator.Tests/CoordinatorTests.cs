// The coordinator running whole jobs over real shards and workers, with every message serialized.
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using Dtrain.ParameterServer;
using Dtrain.Protocol.Serialization;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Coordinator.Tests;

public sealed class CoordinatorTests : TestKit
{
    public CoordinatorTests()
        : base(WireConfig.SingleProcess(serializeMessages: true))
    {
    }

    [Fact]
    public void Coordinator_runs_every_epoch_and_the_model_learns()
    {
        var settings = new TrainingSettings { Batch = 16, Epochs = 3, Workers = 2, PsShards = 2, PartitionSize = 64, ChunkSize = 16, Optimizer = new("adam", 0.02f) };
        var listener = CreateTestProbe();

        StartJob(settings, listener, Enumerable.Range(0, 2).Select(_ => Sys.ActorOf(Dtrain.Worker.Worker.Props(TinyJob.Data(512, 1), () => new CpuBackend(1)))).ToList());
        var epochs = Enumerable.Range(0, 3).Select(_ => listener.ExpectMsg<EpochCompleted>(TimeSpan.FromSeconds(30))).ToList();
        var done = listener.ExpectMsg<JobCompleted>(TimeSpan.FromSeconds(10));

        Assert.Equal([1, 2, 3], epochs.Select(e => e.Epoch));
        Assert.True(done.TestAccuracy > 0.9, $"accuracy {done.TestAccuracy}");
        Assert.True(epochs[2].TrainLoss < epochs[0].TrainLoss);

        // Every example of every epoch was trained once: 512 / 16 = 32 steps an epoch, one push per shard each.
        Assert.Equal(96, done.Shards.Sum(s => s.PushesApplied) / 2);
        Assert.Equal(96, epochs[2].Steps);
    }

    [Fact]
    public void Coordinator_gives_a_stopped_workers_partition_to_another_worker()
    {
        var settings = new TrainingSettings { Batch = 16, Epochs = 1, Workers = 2, PsShards = 1, PartitionSize = 64, ChunkSize = 64, Optimizer = new("adam", 0.02f) };
        var listener = CreateTestProbe();
        var doomed = CreateTestProbe();
        var live = Sys.ActorOf(Dtrain.Worker.Worker.Props(TinyJob.Data(512, 1), () => new CpuBackend(1)));

        var coordinator = StartJob(settings, listener, [doomed.Ref, live]);
        var join = doomed.ExpectMsg<JoinJob>(TimeSpan.FromSeconds(10));
        coordinator.Tell(new RequestWork(join.WorkerId), doomed.Ref);
        doomed.ExpectMsg<AssignPartition>(TimeSpan.FromSeconds(10));
        Sys.Stop(doomed.Ref);
        var epoch = listener.ExpectMsg<EpochCompleted>(TimeSpan.FromSeconds(30));
        var done = listener.ExpectMsg<JobCompleted>(TimeSpan.FromSeconds(10));

        // 512 examples / 16 = 32 steps, all trained by the surviving worker.
        Assert.Equal(32, epoch.Steps);
        Assert.Equal(32, done.Shards[0].PushesApplied);
    }

    [Fact]
    public void Coordinator_fails_the_job_with_the_workers_reason()
    {
        var settings = new TrainingSettings { Batch = 16, Epochs = 1, Workers = 1, PsShards = 1, PartitionSize = 64 };
        var listener = CreateTestProbe();
        var worker = CreateTestProbe();

        var coordinator = StartJob(settings, listener, [worker.Ref]);
        worker.ExpectMsg<JoinJob>(TimeSpan.FromSeconds(10));
        coordinator.Tell(new WorkerFailed(0, "the loss became NaN"), worker.Ref);

        Assert.Contains("the loss became NaN", listener.ExpectMsg<JobFailed>().Reason);
    }

    private IActorRef StartJob(TrainingSettings settings, Akka.TestKit.TestProbe listener, IReadOnlyList<IActorRef> workers)
    {
        // Progress lines arrive after every partition; these tests follow epochs and the end of the job.
        listener.IgnoreMessages(m => m is TrainingProgress);
        var shards = Enumerable.Range(0, settings.PsShards).Select(_ => Sys.ActorOf(ParameterShard.Props())).ToList();
        return Sys.ActorOf(Coordinator.Props(TinyJob.Spec(settings), shards, workers, listener.Ref, TinyJob.Data(512, 1), TinyJob.Data(256, 9)));
    }
}
