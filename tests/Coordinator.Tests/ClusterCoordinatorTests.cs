// The cluster coordinator (the singleton's actor, here without a cluster): it starts a submitted job on the
// registered shards and workers, and a worker that registers mid-job joins it and gets partitions.
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dtrain.Coordinator;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using Dtrain.ParameterServer;
using Dtrain.Protocol.Serialization;
using static Dtrain.Protocol.ClusterProtocol;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Coordinator.Tests;

public sealed class ClusterCoordinatorTests() : TestKit(WireConfig.SingleProcess(serializeMessages: true))
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public void A_worker_that_registers_mid_job_joins_and_trains_and_its_partitions_survive_its_death()
    {
        // Arrange: one shard and one real worker registered; the job asks for one of each.
        var settings = new TrainingSettings { Batch = 16, Epochs = 2, Workers = 1, PsShards = 1, PartitionSize = 64, ChunkSize = 64, Optimizer = new("adam", 0.02f) };
        var coordinator = Sys.ActorOf(ClusterCoordinator.Props((_, _) => new ClusterCoordinator.PreparedJob(TinyJob.Spec(settings), TinyJob.Data(512, 1), TinyJob.Data(256, 9)), Dtrain.Protocol.Transport.BulkCredentials.Generate()));
        coordinator.Tell(new RegisterShard(Sys.ActorOf(ParameterShard.Props()), "node-a"));
        ExpectMsg<Registered>(Wait);
        coordinator.Tell(new RegisterWorker(Sys.ActorOf(Dtrain.Worker.Worker.Props(TinyJob.Data(512, 1), () => new CpuBackend(1))), "node-b"));
        ExpectMsg<Registered>(Wait);
        var client = CreateTestProbe();
        client.IgnoreMessages(m => m is TrainingProgress);
        coordinator.Tell(new SubmitJob("tiny.json", "{}", [], client.Ref, "s-1"));
        client.ExpectMsg<JobNotice>(Wait); // reading the job's data
        client.ExpectMsg<JobAccepted>(Wait);

        // Act: a late worker registers, joins, takes a partition and dies with it.
        var late = CreateTestProbe();
        coordinator.Tell(new RegisterWorker(late.Ref, "node-c"), late.Ref);
        late.ExpectMsg<Registered>(Wait);
        var join = late.ExpectMsg<JoinJob>(Wait);
        join.Coordinator.Tell(new RequestWork(join.WorkerId), late.Ref);
        var assigned = late.ExpectMsg<AssignPartition>(Wait);
        Sys.Stop(late.Ref);
        var epochs = new[] { client.ExpectMsg<EpochCompleted>(Wait), client.ExpectMsg<EpochCompleted>(Wait) };
        var done = client.ExpectMsg<JobCompleted>(Wait);

        // Assert
        Assert.Equal(1, join.WorkerId);
        Assert.NotEmpty(assigned.Indices);
        Assert.All(epochs, e => Assert.Equal(e.Partitions, e.PartitionsTrained));
        Assert.Equal(8, epochs[0].Partitions);
        Assert.Equal(2, done.Workers);
        Assert.Equal(64, done.Shards[0].PushesApplied); // 2 epochs x 512 / 16: the dead worker's partition was retrained
    }

    [Fact]
    public void A_second_submission_while_a_job_runs_is_refused_with_a_reason()
    {
        // Arrange: nothing registered, so the first job waits.
        var settings = new TrainingSettings { Batch = 16, Epochs = 1, Workers = 1, PsShards = 1, PartitionSize = 64 };
        var coordinator = Sys.ActorOf(ClusterCoordinator.Props((_, _) => new ClusterCoordinator.PreparedJob(TinyJob.Spec(settings), TinyJob.Data(512, 1), TinyJob.Data(256, 9)), Dtrain.Protocol.Transport.BulkCredentials.Generate()));
        coordinator.Tell(new SubmitJob("tiny.json", "{}", [], TestActor, "s-1"));
        ExpectMsg<JobNotice>(Wait);
        ExpectMsg<JobAccepted>(Wait);

        // Act
        coordinator.Tell(new SubmitJob("tiny.json", "{}", [], TestActor, "s-2"));
        coordinator.Tell(new SubmitJob("tiny.json", "{}", [], TestActor, "s-1"));

        // Assert: another job is refused; a resend of the first is acknowledged again, not refused.
        // Job ids are the model's name, the time and a count: unique across restarts of a cluster on one database.
        Assert.Matches(@"busy with job tiny-\d{8}-\d{6}-1;", ExpectMsg<JobFailed>(Wait).Reason);
        Assert.Matches(@"^tiny-\d{8}-\d{6}-1$", ExpectMsg<JobAccepted>(Wait).JobId);
    }

    [Fact]
    public void A_jobs_data_is_read_off_the_singletons_thread_while_registrations_and_resends_are_answered()
    {
        // Arrange: preparing the job blocks until the test lets it finish.
        var settings = new TrainingSettings { Batch = 16, Epochs = 1, Workers = 1, PsShards = 1, PartitionSize = 64 };
        using var release = new ManualResetEventSlim();
        var coordinator = Sys.ActorOf(ClusterCoordinator.Props(
            (_, _) =>
            {
                release.Wait(TimeSpan.FromMinutes(1));
                return new ClusterCoordinator.PreparedJob(TinyJob.Spec(settings), TinyJob.Data(512, 1), TinyJob.Data(256, 9));
            },
            Dtrain.Protocol.Transport.BulkCredentials.Generate()));
        coordinator.Tell(new SubmitJob("tiny.json", "{}", [], TestActor, "s-1"));
        Assert.Contains("reading the job's data", ExpectMsg<JobNotice>(Wait).Text);

        // Act: while the data is read, a shard registers, the submission is resent and another one arrives.
        coordinator.Tell(new RegisterShard(Sys.ActorOf(ParameterShard.Props()), "node-a"));
        ExpectMsg<Registered>(Wait);
        coordinator.Tell(new SubmitJob("tiny.json", "{}", [], TestActor, "s-1"));
        Assert.Contains("still reading", ExpectMsg<JobNotice>(Wait).Text);
        coordinator.Tell(new SubmitJob("tiny.json", "{}", [], TestActor, "s-2"));
        Assert.Contains("busy reading another job's data", ExpectMsg<JobFailed>(Wait).Reason);
        release.Set();

        // Assert: once read, the job is accepted.
        Assert.Matches(@"^tiny-\d{8}-\d{6}-1$", ExpectMsg<JobAccepted>(Wait).JobId);
    }

    [Fact]
    public void A_job_whose_data_cannot_be_read_is_refused_with_its_one_line()
    {
        var coordinator = Sys.ActorOf(ClusterCoordinator.Props(
            (_, _) => throw new Models.DtrainException("/datasets/t.csv: no such file or folder"),
            Dtrain.Protocol.Transport.BulkCredentials.Generate()));

        coordinator.Tell(new SubmitJob("tiny.json", "{}", [], TestActor, "s-1"));

        ExpectMsg<JobNotice>(Wait);
        Assert.Equal("/datasets/t.csv: no such file or folder", ExpectMsg<JobFailed>(Wait).Reason);
    }
}
