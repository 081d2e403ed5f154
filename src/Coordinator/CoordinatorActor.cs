// The job actor: Placing (load shards) -> Training (epochs of partitions) -> Evaluating -> Finishing. The rules live in
// plain cores (WorkerRoster, PartitionSchedule, EpochTally, CheckpointPlan, RestorePlan); this actor wires messages
// to them and sends what they decide.
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Dtrain.Models.Data;
using Dtrain.Protocol;
using Dtrain.Protocol.Persistence;
using Dtrain.Protocol.Telemetry;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.ParameterShardProtocol;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Coordinator;

internal sealed partial class CoordinatorActor : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly JobSpec _job;
    private readonly IReadOnlyList<IActorRef> _shards;
    private readonly IReadOnlyList<ClusterCoordinator.ClusterShard>? _clusterShards;
    private readonly IActorRef _listener;
    private readonly ExampleSource _trainingSet;
    private readonly ExampleSource? _validationSet;
    private readonly Evaluator _evaluator;
    private readonly ChunkInfo[][] _placement;
    private readonly ResumePlan? _resume;
    private readonly Stopwatch _wall = Stopwatch.StartNew();

    // The cores: who trains, what the job has trained, its checkpoints, and which checkpoint the shards load.
    private readonly WorkerRoster<IActorRef> _workers = new();
    private readonly EpochTally _tally;
    private readonly CheckpointPlan _checkpoints;
    private readonly RestorePlan _restore;

    // The epoch being trained or evaluated, and when its training started.
    private PartitionSchedule? _epoch;
    private long _epochStarted;

    // The job's journal (null while checkpoints are off, or after it failed until it is reopened).
    private IActorRef? _journal;
    private long _resumedFrom = -1;
    private string? _workerData;

    // One evaluation (or the final stats) round: the pull's request id, shards yet to answer, the epoch's train time.
    private long _evalRequest;
    private int _paramsPending;
    private double _evalTrainSeconds;
    private readonly List<ShardStats> _stats = [];

    public CoordinatorActor(JobSpec job, IReadOnlyList<IActorRef> shards, IReadOnlyList<IActorRef> workers, IActorRef listener, ExampleSource trainingSet, ExampleSource? testSet, ResumePlan? resume = null, ExampleSource? validationSet = null, DataSchema? schema = null)
        : this(job, null, shards, workers.Select(w => (w, (string?)null, (string?)null)), listener, trainingSet, testSet, resume, validationSet, schema)
    {
    }

    /// <summary>Cluster mode: <paramref name="shards"/> are the refs this actor talks to (bulk proxies where a channel runs).</summary>
    public CoordinatorActor(JobSpec job, IReadOnlyList<ClusterCoordinator.ClusterShard> clusterShards, IReadOnlyList<IActorRef> shards, IReadOnlyList<ClusterCoordinator.AddWorker> workers, IActorRef listener, ExampleSource trainingSet, ExampleSource? testSet, ResumePlan? resume = null, ExampleSource? validationSet = null)
        : this(job, clusterShards, shards, workers.Select(w => (w.Worker, (string?)w.Node, (string?)w.Device)), listener, trainingSet, testSet, resume, validationSet, job.Schema)
    {
    }

    private CoordinatorActor(JobSpec job, IReadOnlyList<ClusterCoordinator.ClusterShard>? clusterShards, IReadOnlyList<IActorRef> shards, IEnumerable<(IActorRef Worker, string? Node, string? Device)> workers, IActorRef listener, ExampleSource trainingSet, ExampleSource? testSet, ResumePlan? resume, ExampleSource? validationSet, DataSchema? schema)
    {
        var settings = job.Settings;
        (_job, _clusterShards, _shards, _listener, _trainingSet, _resume, _validationSet) = (job, clusterShards, shards, listener, trainingSet, resume, validationSet);
        foreach (var (worker, node, device) in workers)
        {
            _workers.Add(worker, node, device);
        }

        _evaluator = new Evaluator(job.Model, testSet, Environment.ProcessorCount, schema, settings.TopK, stored: trainingSet is TrainingIndex ? null : trainingSet, seed: settings.Seed);
        _placement = ChunkPlacement.Plan(job.Model, settings.ChunkSize, shards.Count);
        _tally = new EpochTally(trainingSet.Count, validationSet is null ? null : new Models.Metrics.BestEpoch(settings.EarlyStopping?.Figure ?? "loss", settings.EarlyStopping?.MinDelta ?? 0));
        var checkpointsOn = settings.Checkpoint && Storage.IsConfigured(Context.System);
        _checkpoints = new CheckpointPlan(checkpointsOn, shards.Count, settings.CheckpointKeep, settings.Epochs, settings.CheckpointEverySteps, settings.CheckpointEverySeconds, resume?.Checkpoints);
        _restore = new RestorePlan(shards.Count, resume?.Checkpoints ?? [], resume?.LostSteps ?? 0);
        Placing();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        StartJournal();
        LoadShards();
        foreach (var worker in _workers.All)
        {
            Context.Watch(worker);
        }
    }

    protected override void PostStop() => _evaluator.Dispose();

    private void Placing()
    {
        Receive<ShardReady>(ready =>
        {
            if (!IsStale(ready.RequestId, ready.ShardId) && _restore.ShardReady(ready.ShardId))
            {
                _log.Info("{0} shards ready; starting {1} workers", _shards.Count, _workers.Count);
                StartWorkers();
            }
        });
        Receive<InitShardRejected>(r =>
        {
            if (IsStale(r.RequestId, r.ShardId))
            {
                return;
            }

            if (_restore.Restoring is not null)
            {
                OnRestoreRejected(r);
                return;
            }

            Fail($"parameter shard {r.ShardId} could not start: {r.Reason}");
        });
        Receive<Protocol.Transport.BulkDeliveryFailed>(f => Fail($"a parameter shard cannot be reached: {f}"));
        Receive<WorkerFailed>(f => Fail($"worker {f.WorkerId}: {f.Reason}"));
        Receive<Terminated>(t => Fail($"worker {t.ActorRef.Path.Name} stopped before the job started"));
        Membership();
    }

    private void StartWorkers()
    {
        var routes = Routes();
        AdmitToShards(Enumerable.Range(0, _workers.Count).ToArray());
        for (var w = 0; w < _workers.Count; w++)
        {
            _workers.Join(w);
            _workers[w].Tell(JoinFor(w, routes));
            Record(new JobEvents.MemberSeen("worker", w, _workers.Node(w)));
        }

        StartTimers();
        if (TakeRestoredState() is { } from)
        {
            if (from.Epoch > _job.Settings.Epochs)
            {
                BeginFinishing(); // the checkpoint was taken after the last epoch: nothing is left to train
                return;
            }

            Become(Training);
            StartEpoch(from.Epoch, from);
            return;
        }

        Become(Training);
        StartEpoch(1);
    }

    private void Training()
    {
        Receive<RequestWork>(r => RequestWork(r.WorkerId));
        Receive<PartitionDone>(OnPartitionDone);
        Receive<WorkerFailed>(f => Fail($"worker {f.WorkerId}: {f.Reason}"));
        Receive<Terminated>(OnWorkerTerminated);
        Membership();
        Checkpointing();
    }

    /// <summary>Starts epoch <paramref name="epoch"/>; from a checkpoint, with the partitions it holds already done.</summary>
    private void StartEpoch(int epoch, JobEvents.CheckpointRecord? from = null)
    {
        _epoch = new PartitionSchedule(_trainingSet.Count, _job.Settings.PartitionSize, _job.Settings.Seed, epoch);
        _epochStarted = Stopwatch.GetTimestamp();
        _tally.BeginEpoch(_epoch, from);
        CoordinatorTelemetry.EpochStarted(epoch);
        AssignWaiting();
    }

    private void RequestWork(int worker)
    {
        if (_workers.RequestWork(worker, _epoch) is { } p)
        {
            Assign(worker, p);
        }
    }

    private void AssignWaiting()
    {
        foreach (var (worker, p) in _workers.AssignWaiting(_epoch))
        {
            Assign(worker, p);
        }
    }

    private void Assign(int worker, int partition) =>
        _workers[worker].Tell(new AssignPartition(_epoch!.Epoch, partition, _epoch.Partitions[partition]));

    private void OnPartitionDone(PartitionDone done)
    {
        var epoch = _epoch!;
        var first = done.Epoch == epoch.Epoch && epoch.MarkDone(done.PartitionId);
        _tally.PartitionDone(done, first);
        if (first)
        {
            _workers.Tally(done);
            Record(new JobEvents.PartitionTrained(done.Epoch, done.PartitionId, done.WorkerId, done.Steps));
            if (_checkpoints.DueAfterSteps(done.Steps, !epoch.Complete) is { } why)
            {
                TakeCheckpoint(why, epochEnd: false);
            }
        }

        var progress = _tally.Progress(epoch, done, Stopwatch.GetElapsedTime(_epochStarted).TotalSeconds);
        _listener.Tell(progress);
        CoordinatorTelemetry.PartitionDone(done.WorkerId, progress.WorkerLoss, progress.TrainLoss);
        if (epoch.Complete)
        {
            var seconds = Stopwatch.GetElapsedTime(_epochStarted).TotalSeconds;
            _tally.EndEpoch(seconds);
            _workers.Wait(done.WorkerId);
            BeginEvaluation(seconds);
        }
        else
        {
            RequestWork(done.WorkerId);
        }
    }

    private void OnWorkerTerminated(Terminated t)
    {
        var w = _workers.IndexOf(t.ActorRef);
        var lost = _workers.Stopped(w, _epoch);
        LeaveRounds(w);
        _log.Warning("worker {0} stopped; {1} partition(s) go back to the queue", w, lost);
        CoordinatorTelemetry.Failed("worker_stopped");
        CoordinatorTelemetry.Recovered("partition_requeued", lost);
        if (_workers.LiveCount == 0)
        {
            Fail("every worker has stopped");
            return;
        }

        AssignWaiting();
    }

    private void Fail(string reason)
    {
        _log.Error(reason);
        CoordinatorTelemetry.Failed("job_failed");
        EndWith(new JobEvents.JobEnded("failed", reason), new JobFailed(reason));
    }

    private void Notice(string text, bool warning = false)
    {
        // Logged at info: the listener shows it to the user (a warning there), so the console does not say it twice.
        _log.Info(text);
        _listener.Tell(new JobNotice(text, warning));
    }
}
