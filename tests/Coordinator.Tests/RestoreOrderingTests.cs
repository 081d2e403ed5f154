// A job resumed from a checkpoint one shard cannot load falls back to the checkpoint before it; the other shard's
// answer to the first attempt arrives late. Every step trained after the restore must land on both shards, and the
// parameters evaluated must be those the shards hold.
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using Dtrain.Coordinator;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using Dtrain.ParameterServer;
using Dtrain.Protocol;
using Dtrain.Protocol.Persistence;
using Dtrain.Protocol.Serialization;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.Coordinator.Tests;

public sealed class RestoreOrderingTests : TestKit
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);

    public RestoreOrderingTests()
        : base(Database().ToConfig().WithFallback(WireConfig.SingleProcess(serializeMessages: true)))
    {
    }

    [Fact]
    public async Task Training_after_a_restore_that_fell_back_to_an_older_checkpoint_lands_on_every_shard()
    {
        // Arrange: one epoch with a checkpoint every 8 steps; then shard 1 loses its copy of the newest checkpoint.
        var settings = new TrainingSettings { Batch = 16, Epochs = 1, Workers = 1, PsShards = 2, PartitionSize = 64, ChunkSize = 16, Optimizer = new("adam", 0.02f), CheckpointEverySteps = 8, CheckpointKeep = 10 };
        var job = TinyJob.Spec(settings) with { JobId = $"tiny-restore-{Guid.NewGuid():N}" };
        Run(job, [Sys.ActorOf(ParameterShard.Props()), Sys.ActorOf(ParameterShard.Props())], null);
        var checkpoints = (await JobJournal.ReadAsync(Sys, job.JobId, Long))!.Checkpoints;
        Assert.True(checkpoints.Count >= 2, $"{checkpoints.Count} checkpoint(s)");
        var store = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        var newest = checkpoints[^1].Id;
        await store.Ask<DeleteSnapshotSuccess>(new DeleteSnapshot(new SnapshotMetadata(ShardSnapshot.PersistenceId(job.JobId, 1), newest, DateTime.MinValue)), Long);

        // Act: resume for a second epoch; shard 0's answer to the first attempt comes after the fallback.
        var shard0 = Sys.ActorOf(ParameterShard.Props());
        var shard1 = Sys.ActorOf(ParameterShard.Props());
        var relay = Sys.ActorOf(Props.Create(() => new LateAnswerRelay(shard0, 4)));
        var resumed = job with { Settings = settings with { Epochs = 2 } };
        var done = Run(resumed, [relay, shard1], new ResumePlan(checkpoints, 0, "test"));

        // Assert
        var from = checkpoints[^2];
        var stepsAfter = done.History[^1].Steps - from.Steps;
        Assert.Equal(from.Id, done.ResumedFrom);
        Assert.True(stepsAfter > 0);
        foreach (var stats in done.Shards)
        {
            Assert.Equal(stepsAfter, stats.PushesApplied);
            Assert.Equal(0, stats.DuplicatesIgnored);
            Assert.Equal(done.History[^1].Steps, stats.Version); // one push a step since the job began
        }

        Assert.Equal(await AccuracyOfWhatTheShardsHold(resumed, [shard0, shard1]), done.TestAccuracy);
    }

    [Fact]
    public async Task A_failed_checkpoint_deletes_only_its_own_snapshots_and_every_complete_one_stays_loadable()
    {
        // Arrange: shard 0 fails checkpoint 3 (after shard 1 may have written its part of it).
        var settings = new TrainingSettings { Batch = 16, Epochs = 1, Workers = 1, PsShards = 2, PartitionSize = 64, ChunkSize = 16, Optimizer = new("adam", 0.02f), CheckpointEverySteps = 8, CheckpointKeep = 10 };
        var job = TinyJob.Spec(settings) with { JobId = $"tiny-failed-{Guid.NewGuid():N}" };
        var failing = Sys.ActorOf(Props.Create(() => new FailingCheckpointRelay(Sys.ActorOf(ParameterShard.Props()), 3)));

        // Act
        Run(job, [failing, Sys.ActorOf(ParameterShard.Props())], null);
        var checkpoints = (await JobJournal.ReadAsync(Sys, job.JobId, Long))!.Checkpoints;

        // Assert: checkpoint 3 is not in the journal, and every one that is can be read for every shard.
        Assert.DoesNotContain(checkpoints, c => c.Id == 3);
        Assert.Contains(checkpoints, c => c.Id < 3);
        var store = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        foreach (var c in checkpoints)
        {
            for (var s = 0; s < 2; s++)
            {
                var pid = ShardSnapshot.PersistenceId(job.JobId, s);
                var read = await store.Ask<LoadSnapshotResult>(new LoadSnapshot(pid, new SnapshotSelectionCriteria(c.Id, DateTime.MaxValue, c.Id, DateTime.MinValue), c.Id), Long);
                Assert.True(read.Snapshot?.Metadata.SequenceNr == c.Id, $"checkpoint {c.Id} of shard {s} is gone");
            }
        }
    }

    private static Storage Database()
    {
        var storage = Storage.Sqlite(Path.Combine(Directory.CreateTempSubdirectory("dtrain-restore-").FullName, "dtrain.db"));
        storage.Prepare();
        return storage;
    }

    private JobCompleted Run(JobSpec job, IReadOnlyList<IActorRef> shards, ResumePlan? resume)
    {
        var listener = CreateTestProbe();
        listener.IgnoreMessages(m => m is not (JobCompleted or JobFailed));
        var worker = Sys.ActorOf(Dtrain.Worker.Worker.Props(TinyJob.Data(512, 1), () => new CpuBackend(1)));
        Sys.ActorOf(Coordinator.Props(job, shards, [worker], listener.Ref, TinyJob.Data(512, 1), TinyJob.Data(256, 9), resume));
        var end = listener.ExpectMsg<object>(Long);
        Assert.True(end is JobCompleted, $"the job did not complete: {end}");
        Sys.Stop(worker);
        return (JobCompleted)end;
    }

    private static async Task<double> AccuracyOfWhatTheShardsHold(JobSpec job, IReadOnlyList<IActorRef> shards)
    {
        using var evaluator = new Evaluator(job.Model, TinyJob.Data(256, 9), 1);
        var placement = ChunkPlacement.Plan(job.Model, job.Settings.ChunkSize, shards.Count);
        for (var s = 0; s < shards.Count; s++)
        {
            var values = (await shards[s].Ask<Params>(new Pull(1, -1), Long)).Values!;
            evaluator.Load(values, placement[s]);
            values.Release();
        }

        return evaluator.Accuracy();
    }

    /// <summary>Stands between the coordinator and a shard, and answers its checkpoint <paramref name="failing"/> with a failure.</summary>
    private sealed class FailingCheckpointRelay : ReceiveActor
    {
        public FailingCheckpointRelay(IActorRef shard, long failing)
        {
            Receive<TakeCheckpoint>(t => t.CheckpointId == failing, t => Sender.Tell(new ShardCheckpointFailed(0, t.CheckpointId, "the disk is full (test)")));
            ReceiveAny(m => shard.Forward(m));
        }
    }

    /// <summary>
    /// Stands between the coordinator and a shard. It holds the shard's answer to the first restore until the
    /// coordinator asks for a second (a fallback), then delivers it, late; the second restore reaches the shard only
    /// once <paramref name="pushes"/> pushes have passed (a coordinator that counted the late answer started training)
    /// or after 3 s (one that did not is still waiting).
    /// </summary>
    private sealed class LateAnswerRelay : ReceiveActor, IWithTimers
    {
        private readonly IActorRef _shard;
        private readonly int _pushes;
        private IActorRef _coordinator = ActorRefs.Nobody;
        private IWireMessage? _firstAnswer;
        private RestoreShard? _second;
        private int _restores;
        private int _pushed;

        public ITimerScheduler Timers { get; set; } = null!;

        public LateAnswerRelay(IActorRef shard, int pushes)
        {
            (_shard, _pushes) = (shard, pushes);
            Receive<RestoreShard>(OnRestore);
            Receive<ShardReady>(OnAnswer);
            Receive<InitShardRejected>(OnAnswer);
            Receive<Push>(p =>
            {
                _shard.Forward(p);
                if (_second is not null && ++_pushed >= _pushes)
                {
                    Release();
                }
            });
            Receive<ReleaseSecond>(_ => Release());
            ReceiveAny(m => _shard.Forward(m));
        }

        private void OnRestore(RestoreShard restore)
        {
            _coordinator = Sender;
            if (++_restores != 2)
            {
                _shard.Tell(restore, Self);
                return;
            }

            _second = restore;
            if (_firstAnswer is { } late)
            {
                _coordinator.Tell(late);
            }

            Timers.StartSingleTimer("release", new ReleaseSecond(), TimeSpan.FromSeconds(3));
        }

        private void OnAnswer(IWireMessage answer)
        {
            if (_restores == 1 && _firstAnswer is null)
            {
                _firstAnswer = answer;
                return;
            }

            _coordinator.Tell(answer);
        }

        private void Release()
        {
            if (_second is { } restore)
            {
                _second = null;
                _shard.Tell(restore, Self);
            }
        }

        private sealed record ReleaseSecond : INoSerializationVerificationNeeded;
    }
}
