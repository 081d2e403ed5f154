// The cluster singleton: Registry of shards and workers; Waiting for enough of them; Running one job actor.
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
    /// <summary>How long a submitted job waits for the shards and workers it asks for.</summary>
    private static readonly TimeSpan WaitLimit = TimeSpan.FromMinutes(2);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Func<SubmitJob, DataSchema?, ClusterCoordinator.PreparedJob> _prepareJob;
    private readonly BulkCredentials _bulkCredentials;
    private readonly List<IActorRef> _bulkProxies = [];
    private readonly List<ClusterCoordinator.ClusterShard> _shards = [];
    private readonly List<ClusterCoordinator.AddWorker> _workers = [];
    private int _jobCount;
    private string _submissionId = "";

    // The current job (waiting or running) and what the status command shows of it.
    private JobSpec? _job;
    private ClusterCoordinator.PreparedJob? _data;
    private ClusterCoordinator.PreparedJob? _previousData;
    private IActorRef _client = ActorRefs.Nobody;
    private IActorRef? _jobActor;
    private IReadOnlyList<IActorRef> _jobShards = [];
    private DateTime _waitingSince;
    private JobStatus? _status;
    private ClusterCoordinator.JobSnapshot? _snapshot;

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
        if (!_recovered)
        {
            return; // the journal is still being read; the client sends again until accepted
        }

        if (_job is not null && submit.SubmissionId.Length > 0 && submit.SubmissionId == _submissionId)
        {
            submit.Listener.Tell(new JobAccepted(_job.JobId, Self, "already accepted")); // a resend
            return;
        }

        if (_job is not null)
        {
            submit.Listener.Tell(new JobFailed($"the cluster is busy with job {_job.JobId}; one job runs at a time"));
            return;
        }

        if (_preparing is { } preparing)
        {
            submit.Listener.Tell(submit.SubmissionId.Length > 0 && submit.SubmissionId == preparing
                ? new JobNotice("the coordinator is still reading the job's data", Warning: false)
                : new JobFailed("the cluster is busy reading another job's data; one job runs at a time"));
            return;
        }

        Prepare(submit);
    }

    /// <summary>The job is prepared (schema learned, rows counted): it is accepted and waits for shards and workers.</summary>
    private void Accept(SubmitJob submit, ClusterCoordinator.PreparedJob data)
    {
        _data = data;
        var job = data.Job;
        _jobCount++;
        _job = job with { JobId = $"{job.JobId}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{_jobCount}", TrainArgs = submit.TrainArgs };
        _client = submit.Listener;
        _submissionId = submit.SubmissionId;
        Context.Watch(_client);
        _waitingSince = DateTime.UtcNow;
        _status = new JobStatus(_job.JobId, "waiting", 0, job.Settings.Epochs, 0, 0);
        _client.Tell(new JobAccepted(_job.JobId, Self, $"waiting for {job.Settings.PsShards} shard(s) and {job.Settings.Workers} worker(s); {_shards.Count} and {_workers.Count} registered"));
        _clusterJournal?.Tell(new JobJournal.Record(new Protocol.Persistence.JobEvents.ClusterJobStarted(_job.JobId, _jobCount, submit.ModelFile, submit.ModelJson, submit.TrainArgs, submit.Listener, submit.SubmissionId, job.Schema?.ToJson())));
        TryStart();
    }

    /// <summary>Starts the waiting job once enough shards and workers registered; fails it after <see cref="WaitLimit"/>.</summary>
    private void TryStart()
    {
        if (_job is not { } job || _jobActor is not null || _readingJournal)
        {
            return;
        }

        var settings = job.Settings;
        if (_shards.Count < settings.PsShards || _workers.Count < settings.Workers)
        {
            if (DateTime.UtcNow - _waitingSince > WaitLimit)
            {
                EndJob(new JobFailed($"only {_shards.Count} of {settings.PsShards} shard(s) and {_workers.Count} of {settings.Workers} worker(s) registered within {WaitLimit.TotalSeconds:F0} s{(_resumeReason is { } why ? $" after {why}" : "")}"), "failed");
            }

            return;
        }

        if (_resumeReason is not null && _resumePlan is null)
        {
            ReadJobJournal(job);
            return;
        }

        StartJobActor(job);
    }

    private void StartJobActor(JobSpec job)
    {
        var settings = job.Settings;

        // Every registered worker trains (more replicas is more throughput); the job's ps_shards shards hold it.
        var shards = _shards.Take(settings.PsShards).ToList();
        var job2 = job with { Settings = settings with { Workers = _workers.Count } };
        _jobShards = shards.Select(s => s.Shard).ToList();
        var plan = _resumePlan;
        var data = _data!;
        _jobActor = Context.ActorOf(
            Akka.Actor.Props.Create(() => new CoordinatorActor(job2, shards, shards.Select(Connect).ToList(), _workers.ToList(), Self, data.TrainingIndex, data.TestSet, plan, data.ValidationSet)),
            $"job-{_jobCount}-{++_incarnation}");
        (_resumeReason, _resumePlan) = (null, null);
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
        if (_job is { } ended)
        {
            // At warning level so a node's default log shows how the job it ran ended (the client may be gone).
            _log.Warning("job {0} ended: {1}", ended.JobId, state);
            _clusterJournal?.Tell(new JobJournal.Record(new Protocol.Persistence.JobEvents.ClusterJobEnded(ended.JobId, state)));
        }

        (_resumeReason, _resumePlan, _readingJournal) = (null, null, false);
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
        (_job, _jobActor, _client, _jobShards, _data, _previousData) = (null, null, ActorRefs.Nobody, [], null, _data ?? _previousData);
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
            _log.Warning("the client that submitted {0} is gone; the job goes on", _job?.JobId);
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
