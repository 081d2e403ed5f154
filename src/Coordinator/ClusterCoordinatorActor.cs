// The cluster singleton: Registry of shards and workers; Waiting for enough of them; Running one job actor. Which
// submission gets the cluster and when its job starts is ClusterJobSlot's rule; this actor wires and sends.
using Akka.Actor;
using Akka.Event;
using Dtrain.Models;
using Dtrain.Models.Data;
using Dtrain.Protocol.Transport;
using static Dtrain.Protocol.ClusterProtocol;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Coordinator;

internal sealed partial class ClusterCoordinatorActor : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Func<SubmitJob, DataSchema?, ClusterCoordinator.PreparedJob> _prepareJob;
    private readonly BulkCredentials _bulkCredentials;
    private readonly List<IActorRef> _bulkProxies = [];
    private readonly List<ClusterCoordinator.ClusterShard> _shards = [];
    private readonly List<ClusterCoordinator.AddWorker> _workers = [];
    private readonly ClusterJobSlot _slot = new();

    // The current job's data (and the previous job's, closed when the next is prepared), its client and job actor,
    // and what the status command shows of it.
    private ClusterCoordinator.PreparedJob? _data;
    private ClusterCoordinator.PreparedJob? _previousData;
    private IActorRef _client = ActorRefs.Nobody;
    private IActorRef? _jobActor;
    private IReadOnlyList<IActorRef> _jobShards = [];
    private JobStatus? _status;
    private ClusterCoordinator.JobSnapshot? _snapshot;

    // The cluster journal (which job runs, so a new singleton resumes it), the tries at reading it, and job actors started.
    private IActorRef? _clusterJournal;
    private int _journalOpenings;
    private int _incarnation;

    public ClusterCoordinatorActor(Func<SubmitJob, DataSchema?, ClusterCoordinator.PreparedJob> prepareJob, BulkCredentials bulkCredentials)
    {
        _prepareJob = prepareJob;
        _bulkCredentials = bulkCredentials;
        Receive<RegisterShard>(OnRegisterShard);
        Receive<RegisterWorker>(OnRegisterWorker);
        Receive<SubmitJob>(OnSubmit);
        Receive<JobPrepared>(OnPrepared);
        Receive<CheckWaiting>(_ =>
        {
            TryStart();
            _jobActor?.Tell(ClusterCoordinator.GetJobSnapshot.Instance); // kept for status after the job ends
        });
        Receive<ClusterCoordinator.JobSnapshot>(s => _snapshot = s);
        Receive<GetClusterStatus>(q => Context.ActorOf(StatusQuery.Props(q, Sender, _shards, _workers, _jobActor, _status, _snapshot)));
        Receive<TrainingProgress>(OnProgress);
        Receive<EpochCompleted>(e => _client.Tell(e));
        Receive<JobNotice>(n => _client.Tell(n));
        Recovery();
        Receive<JobCompleted>(c => EndJob(c, "completed"));
        Receive<JobFailed>(f => EndJob(f, "failed"));
        Receive<Terminated>(OnTerminated);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("check-waiting", CheckWaiting.Instance, TimeSpan.FromSeconds(1));
        OpenJournal();
    }

    private void OnRegisterShard(RegisterShard r)
    {
        if (!_shards.Any(s => s.Shard.Equals(r.Shard)))
        {
            _shards.Add(new ClusterCoordinator.ClusterShard(r.Shard, r.Node, r.BulkEndpoint, r.BulkTarget));
            Context.Watch(r.Shard);
            _log.Info("shard {0} on {1} registered ({2} in all)", r.Shard.Path, r.Node, _shards.Count);
            TryStart();
        }

        Sender.Tell(new Registered(r.Shard, Self));
    }

    private void OnRegisterWorker(RegisterWorker r)
    {
        if (!_workers.Any(w => w.Worker.Equals(r.Worker)))
        {
            var add = new ClusterCoordinator.AddWorker(r.Worker, r.Node, r.Device);
            _workers.Add(add);
            Context.Watch(r.Worker);
            _log.Info("worker {0} on {1} registered ({2} in all)", r.Worker.Path, r.Node, _workers.Count);
            _jobActor?.Tell(add);
            TryStart();
        }

        Sender.Tell(new Registered(r.Worker, Self));
    }

    private void OnSubmit(SubmitJob submit)
    {
        switch (_slot.Submit(submit.SubmissionId))
        {
            case ClusterJobSlot.SubmitAnswer.AlreadyAccepted:
                submit.Listener.Tell(new JobAccepted(_slot.Job!.JobId, Self, "already accepted")); // a resend
                break;
            case ClusterJobSlot.SubmitAnswer.Busy:
                submit.Listener.Tell(new JobFailed($"the cluster is busy with job {_slot.Job!.JobId}; one job runs at a time"));
                break;
            case ClusterJobSlot.SubmitAnswer.StillPreparing:
                submit.Listener.Tell(new JobNotice("the coordinator is still reading the job's data", Warning: false));
                break;
            case ClusterJobSlot.SubmitAnswer.BusyPreparing:
                submit.Listener.Tell(new JobFailed("the cluster is busy reading another job's data; one job runs at a time"));
                break;
            case ClusterJobSlot.SubmitAnswer.Prepare:
                Prepare(submit);
                break;
        }
    }

    /// <summary>The job is prepared (schema learned, rows counted): it is accepted and waits for shards and workers.</summary>
    private void Accept(SubmitJob submit, ClusterCoordinator.PreparedJob data)
    {
        _data = data;
        var job = _slot.Accept(data.Job, submit.TrainArgs, submit.SubmissionId, DateTime.UtcNow);
        _client = submit.Listener;
        Context.Watch(_client);
        _status = new JobStatus(job.JobId, "waiting", 0, job.Settings.Epochs, 0, 0);
        _client.Tell(new JobAccepted(job.JobId, Self, $"waiting for {job.Settings.PsShards} shard(s) and {job.Settings.Workers} worker(s); {_shards.Count} and {_workers.Count} registered"));
        _clusterJournal?.Tell(new JobJournal.Record(new Protocol.Persistence.JobEvents.ClusterJobStarted(job.JobId, _slot.JobCount, submit.ModelFile, submit.ModelJson, submit.TrainArgs, submit.Listener, submit.SubmissionId, job.Schema?.ToJson())));
        TryStart();
    }

    /// <summary>Starts the waiting job once enough shards and workers registered; fails it after <see cref="ClusterJobSlot.WaitLimit"/>.</summary>
    private void TryStart()
    {
        var decision = _slot.TryStart(_shards.Count, _workers.Count, DateTime.UtcNow);
        switch (decision.Action)
        {
            case ClusterJobSlot.StartAction.GiveUp:
                EndJob(new JobFailed(decision.Reason), "failed");
                break;
            case ClusterJobSlot.StartAction.ReadJournal:
                ReadJobJournal(_slot.Job!);
                break;
            case ClusterJobSlot.StartAction.Start:
                StartJobActor(_slot.Job!);
                break;
        }
    }

    private void StartJobActor(JobSpec job)
    {
        var settings = job.Settings;

        // Every registered worker trains (more replicas is more throughput); the job's ps_shards shards hold it.
        var shards = _shards.Take(settings.PsShards).ToList();
        var job2 = job with { Settings = settings with { Workers = _workers.Count } };
        _jobShards = shards.Select(s => s.Shard).ToList();
        var plan = _slot.ResumePlan;
        var data = _data!;
        _jobActor = Context.ActorOf(
            Akka.Actor.Props.Create(() => new CoordinatorActor(job2, shards, shards.Select(Connect).ToList(), _workers.ToList(), Self, data.TrainingIndex, data.TestSet, plan, data.ValidationSet)),
            $"job-{_slot.JobCount}-{++_incarnation}");
        _slot.Started();
        Context.Watch(_jobActor);
        _status = _status! with { State = "training", Epoch = 1 };
        _log.Info("job {0} starts on {1} shard(s) and {2} worker(s)", job.JobId, shards.Count, _workers.Count);
    }

    /// <summary>The ref the job actor talks to a shard through: its bulk channel when the PS node runs one.</summary>
    private IActorRef Connect(ClusterCoordinator.ClusterShard shard)
    {
        if (shard.BulkEndpoint is not { } endpoint || shard.BulkTarget is not { } target)
        {
            return shard.Shard;
        }

        var proxy = BulkClient.Connect(Context, endpoint, target, _bulkCredentials);
        _bulkProxies.Add(proxy);
        return proxy;
    }

    private void OnProgress(TrainingProgress p)
    {
        _status = _status is null ? null : _status with { Epoch = p.Epoch, PartitionsDone = p.PartitionsDone, Partitions = p.Partitions };
        _client.Tell(p);
    }

    private void EndJob(object report, string state)
    {
        _client.Tell(report);
        if (_slot.Job is { } ended)
        {
            // At warning level so a node's default log shows how the job it ran ended (the client may be gone).
            _log.Warning("job {0} ended: {1}", ended.JobId, state);
            _clusterJournal?.Tell(new JobJournal.Record(new Protocol.Persistence.JobEvents.ClusterJobEnded(ended.JobId, state)));
        }

        if (!_client.IsNobody())
        {
            Context.Unwatch(_client);
        }

        if (_jobActor is { } actor)
        {
            Context.Unwatch(actor);
            Context.Stop(actor);
        }

        foreach (var proxy in _bulkProxies)
        {
            Context.Stop(proxy);
        }

        _bulkProxies.Clear();
        _status = _status is null ? null : _status with { State = state };
        _slot.Ended();
        (_jobActor, _client, _jobShards, _data, _previousData) = (null, ActorRefs.Nobody, [], null, _data ?? _previousData);
    }

    private void OnTerminated(Terminated t)
    {
        var shard = _shards.FindIndex(s => s.Shard.Equals(t.ActorRef));
        if (shard >= 0)
        {
            var node = _shards[shard].Node;
            _log.Warning("shard {0} on {1} left", t.ActorRef.Path, node);
            _shards.RemoveAt(shard);
            if (_jobShards.Contains(t.ActorRef))
            {
                OnJobShardLost(t.ActorRef, node);
            }

            return;
        }

        var worker = _workers.FindIndex(w => w.Worker.Equals(t.ActorRef));
        if (worker >= 0)
        {
            _log.Warning("worker {0} on {1} left", t.ActorRef.Path, _workers[worker].Node);
            _workers.RemoveAt(worker); // the job actor watches it too and hands its partitions to others
            return;
        }

        if (t.ActorRef.Equals(_jobActor))
        {
            EndJob(new JobFailed("the job actor stopped unexpectedly"), "failed");
        }
        else if (t.ActorRef.Equals(_client))
        {
            _log.Warning("the client that submitted {0} is gone; the job goes on", _slot.Job?.JobId);
            _client = ActorRefs.Nobody;
        }
    }

    private sealed class CheckWaiting : INoSerializationVerificationNeeded
    {
        public static readonly CheckWaiting Instance = new();

        private CheckWaiting()
        {
        }
    }
}
