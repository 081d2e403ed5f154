// The job actor: Placing (init shards) -> Training (epochs of partitions) -> Evaluating -> Finishing.
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Dtrain.Models.Data;
using Dtrain.Protocol;
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
    private readonly List<IActorRef> _workers;
    private readonly IActorRef _listener;
    private readonly ExampleSource _trainingSet;
    private readonly Evaluator _evaluator;
    private readonly ChunkInfo[][] _placement;
    private readonly HashSet<int> _idleWorkers = [];
    private readonly HashSet<int> _liveWorkers = [];
    private readonly List<EpochCompleted> _history = [];
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly HashSet<int> _readyShards = [];
    private PartitionSchedule? _epoch;
    private long _epochStarted;
    private double _trainSeconds;
    private long _trainExamples;
    private double _epochLoss;
    private long _epochSteps;
    private long _totalSteps;

    public CoordinatorActor(JobSpec job, IReadOnlyList<IActorRef> shards, IReadOnlyList<IActorRef> workers, IActorRef listener, ExampleSource trainingSet, ExampleSource? testSet, ResumePlan? resume = null, ExampleSource? validationSet = null, DataSchema? schema = null)
    {
        _job = job;
        _resume = resume;
        _shards = shards;
        _workers = [.. workers];
        _listener = listener;
        _trainingSet = trainingSet;
        _evaluator = new Evaluator(job.Model, testSet, Environment.ProcessorCount, schema, job.Settings.TopK);
        _validationSet = validationSet;
        _best = validationSet is null ? null : new Models.Metrics.BestEpoch(job.Settings.EarlyStopping?.Figure ?? "loss", job.Settings.EarlyStopping?.MinDelta ?? 0);
        _placement = ChunkPlacement.Plan(job.Model, job.Settings.ChunkSize, shards.Count);
        Placing();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        StartJournal();
        if (_resume is { Checkpoints.Count: > 0 } resume)
        {
            RestoreShards(resume.Checkpoints.Count - 1);
        }
        else
        {
            InitShards();
        }

        foreach (var worker in _workers)
        {
            Context.Watch(worker);
        }
    }

    /// <summary>A cosine schedule over "the whole run" learns its length here, where the data set size is known.</summary>
    private OptimizerSpec Optimizer() => OptimizerSpec.From(_job.Settings.WithScheduleResolved(_trainingSet.Count).Optimizer);

    private void InitShards()
    {
        var initial = _job.Model.InitialParameters(_job.Settings.Seed);
        var optimizer = Optimizer();
        NewLoadRequest();
        for (var s = 0; s < _shards.Count; s++)
        {
            var values = FloatBuffer.Rent(ChunkPlacement.Floats(_placement[s]));
            ChunkPlacement.Gather(initial, _placement[s], values.Span);
            _shards[s].Tell(new InitShard(s, _placement[s], values, optimizer, SyncQuorum(), _loadRequest));
        }

        if (_resume is { } resume)
        {
            Notice($"no complete checkpoint to resume from: the job starts again from the beginning ({resume.LostSteps:N0} steps are trained again)", warning: true);
            Record(new Protocol.Persistence.JobEvents.JobResumed(-1, resume.LostSteps, resume.Reason));
        }
    }

    protected override void PostStop() => _evaluator.Dispose();

    private void Placing()
    {
        Receive<ShardReady>(ready =>
        {
            if (IsStale(ready.RequestId, ready.ShardId))
            {
                return;
            }

            _readyShards.Add(ready.ShardId);
            if (_readyShards.Count == _shards.Count)
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

            if (_restoring >= 0)
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
            _liveWorkers.Add(w);
            _workers[w].Tell(JoinFor(w, routes));
            Record(new Protocol.Persistence.JobEvents.MemberSeen("worker", w, _workerNodes.GetValueOrDefault(_workers[w]) ?? "local"));
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
        Receive<RequestWork>(r => Idle(r.WorkerId));
        Receive<PartitionDone>(OnPartitionDone);
        Receive<WorkerFailed>(f => Fail($"worker {f.WorkerId}: {f.Reason}"));
        Receive<Terminated>(OnWorkerTerminated);
        Membership();
        Checkpointing();
    }

    /// <summary>Starts epoch <paramref name="epoch"/>; from a checkpoint, with the partitions it holds already done.</summary>
    private void StartEpoch(int epoch, Protocol.Persistence.JobEvents.CheckpointRecord? from = null)
    {
        _epoch = new PartitionSchedule(_trainingSet.Count, _job.Settings.PartitionSize, _job.Settings.Seed, epoch);
        _epochStarted = Stopwatch.GetTimestamp();
        _epochLoss = from?.EpochLossSum ?? 0;
        _epochSteps = from?.EpochSteps ?? 0;
        _epochSkippedExamples = 0;
        if (from is not null)
        {
            _epoch.Skip(from.DonePartitions);
            _epochSkippedExamples = from.DonePartitions.Sum(p => _epoch.Partitions[p].Length);
        }

        CoordinatorTelemetry.EpochStarted(epoch);
        foreach (var w in _idleWorkers.ToList())
        {
            Idle(w);
        }
    }

    private void Idle(int worker)
    {
        _idleWorkers.Remove(worker);
        if (_epoch is { } epoch && epoch.Assign(worker) is { } p)
        {
            _workers[worker].Tell(new AssignPartition(epoch.Epoch, p, epoch.Partitions[p]));
        }
        else
        {
            _idleWorkers.Add(worker);
        }
    }

    private void OnPartitionDone(PartitionDone done)
    {
        var epoch = _epoch!;
        _maxParameterLag = Math.Max(_maxParameterLag, done.MaxParameterLag);
        if (done.Epoch == epoch.Epoch && epoch.MarkDone(done.PartitionId))
        {
            _epochLoss += done.LossSum;
            _epochSteps += done.Steps;
            _trainExamples += done.Examples;
            Tally(done);
            Record(new Protocol.Persistence.JobEvents.PartitionTrained(done.Epoch, done.PartitionId, done.WorkerId, done.Steps));
            StepsTrained(done.Steps);
        }

        var elapsed = Stopwatch.GetElapsedTime(_epochStarted).TotalSeconds;
        var epochExamples = epoch.Partitions.Where((_, i) => epoch.IsDone(i)).Sum(p => p.Length);
        var rate = (epochExamples - _epochSkippedExamples) / Math.Max(elapsed, 1e-9);
        var remaining = _trainingSet.Count - epochExamples;
        var workerLoss = done.LossSum / Math.Max(done.Examples, 1);
        _listener.Tell(new TrainingProgress(epoch.Epoch, epoch.DoneCount, epoch.Partitions.Length, _totalSteps + _epochSteps, _epochLoss / Math.Max(epochExamples, 1), rate, remaining / Math.Max(rate, 1e-9), done.WorkerId, workerLoss, done.Examples / Math.Max(done.ComputeSeconds, 1e-9), done.Steps));
        CoordinatorTelemetry.PartitionDone(done.WorkerId, workerLoss, _epochLoss / Math.Max(epochExamples, 1));
        if (epoch.Complete)
        {
            var seconds = Stopwatch.GetElapsedTime(_epochStarted).TotalSeconds;
            _trainSeconds += seconds;
            _totalSteps += _epochSteps;
            _idleWorkers.Add(done.WorkerId);
            BeginEvaluation(epoch.Epoch, seconds);
        }
        else
        {
            Idle(done.WorkerId);
        }
    }

    private void OnWorkerTerminated(Terminated t)
    {
        var w = _workers.ToList().IndexOf(t.ActorRef);
        _liveWorkers.Remove(w);
        _idleWorkers.Remove(w);
        var lost = _epoch?.Release(w) ?? 0;
        LeaveRounds(w);
        _log.Warning("worker {0} stopped; {1} partition(s) go back to the queue", w, lost);
        CoordinatorTelemetry.Failed("worker_stopped");
        CoordinatorTelemetry.Recovered("partition_requeued", lost);
        if (_liveWorkers.Count == 0)
        {
            Fail("every worker has stopped");
            return;
        }

        foreach (var idle in _idleWorkers.ToList())
        {
            Idle(idle);
        }
    }

    private void Fail(string reason)
    {
        _log.Error(reason);
        CoordinatorTelemetry.Failed("job_failed");
        EndWith(new Protocol.Persistence.JobEvents.JobEnded("failed", reason), new JobFailed(reason));
    }
}
