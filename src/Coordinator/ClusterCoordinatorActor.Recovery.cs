// Recovery in cluster mode: the singleton journals which job runs, so a new singleton resumes it; a parameter-server
// node that dies pauses the job until enough shards are registered again, then every shard is restored from the
// last complete checkpoint and the workers join anew.
using Akka.Actor;
using Akka.Event;
using Dtrain.Models;
using Dtrain.Models.Data;
using Dtrain.Protocol.Persistence;
using static Dtrain.Protocol.ClusterProtocol;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Coordinator;

internal sealed partial class ClusterCoordinatorActor
{
    /// <summary>Tries at reading the cluster journal when the coordinator starts, and the wait between them.</summary>
    private const int JournalOpenings = 5;

    private static readonly TimeSpan JournalRetryDelay = TimeSpan.FromSeconds(3);

    private bool Persistent => Storage.IsConfigured(Context.System);

    private void Recovery()
    {
        Receive<ClusterJournal.State>(OnJournalRecovered);
        Receive<JobJournal.JournalFailed>(f =>
        {
            if (!_slot.Recovered && _journalOpenings < JournalOpenings)
            {
                // A busy database (or a busy machine) can time the first read out: try again before going on without
                // it, or a job that was running would not be resumed.
                _log.Warning("{0}; reading it again in {1:F0} s ({2} of {3})", f.Reason, JournalRetryDelay.TotalSeconds, _journalOpenings, JournalOpenings - 1);
                _clusterJournal = null;
                Timers.StartSingleTimer("reopen-cluster-journal", new ReopenClusterJournal(), JournalRetryDelay);
                return;
            }

            _log.Error(f.Reason);
            _client.Tell(new JobNotice(f.Reason, Warning: true));
            _clusterJournal = null;
            _slot.JournalRecovered(); // go on without it: jobs still run, a new singleton just cannot resume them
        });
        Receive<JobRecordRead>(OnJobRecordRead);
        Receive<ReopenClusterJournal>(_ => OpenJournal());
    }

    /// <summary>Opens the cluster journal; until it has answered, submissions wait (clients send them again).</summary>
    private void OpenJournal()
    {
        if (!Persistent)
        {
            _slot.JournalRecovered();
            return;
        }

        _journalOpenings++;
        _clusterJournal = Context.ActorOf(Akka.Actor.Props.Create(() => new ClusterJournal(Self)), $"cluster-journal-{_journalOpenings}");
        _clusterJournal.Tell(ClusterJournal.GetState.Instance);
    }

    private void OnJournalRecovered(ClusterJournal.State state)
    {
        _slot.JournalRecovered(state.JobCount);
        if (state.Running is not { } running || _slot.Job is not null)
        {
            return;
        }

        JobSpec job;
        try
        {
            // The journaled schema, not one learned again: the job goes on encoding its data exactly as it started.
            var schema = running.DataSchemaJson is { Length: > 0 } json ? DataSchema.FromJson(json, $"job {running.JobId}'s cluster journal") : null;
            _data = _prepareJob(new SubmitJob(running.ModelFile, running.ModelJson, running.TrainArgs, running.Listener, running.SubmissionId), schema);
            job = _data.Job with { JobId = running.JobId, TrainArgs = running.TrainArgs };
        }
        catch (DtrainException e)
        {
            _log.Error("job {0} cannot be resumed: {1}", running.JobId, e.Message);
            _clusterJournal?.Tell(new JobJournal.Record(new JobEvents.ClusterJobEnded(running.JobId, "failed")));
            return;
        }

        _client = running.Listener;
        Context.Watch(_client);
        _slot.Resume(job, running.SubmissionId, DateTime.UtcNow);
        _status = new JobStatus(job.JobId, "recovering", 0, job.Settings.Epochs, 0, 0);
        _log.Warning("job {0} was running when the previous coordinator stopped; it resumes once its shards and workers are registered", running.JobId);
        _client.Tell(new JobNotice($"a new coordinator on {Akka.Cluster.Cluster.Get(Context.System).SelfAddress} took over job {job.JobId}; it resumes from its last complete checkpoint", Warning: true));
        TryStart();
    }

    /// <summary>A shard the job uses has stopped: with checkpoints the job pauses and resumes later; without, it fails.</summary>
    private void OnJobShardLost(IActorRef shard, string node)
    {
        var job = _slot.Job!;
        if (!Persistent || !job.Settings.Checkpoint)
        {
            EndJob(new JobFailed($"parameter shard {shard.Path} on {node} stopped; its parameters are lost (checkpoints are off)"), "failed");
            return;
        }

        StopJobActor();
        _slot.Paused($"parameter shard {shard.Path.Name} on {node} stopped", DateTime.UtcNow);
        _status = _status is null ? null : _status with { State = "recovering" };
        var text = $"{_slot.ResumeReason}: training pauses until {job.Settings.PsShards} shard(s) are registered ({_shards.Count} now), then every shard is restored from the last complete checkpoint";
        _log.Warning(text);
        _client.Tell(new JobNotice(text, Warning: true));
        TryStart();
    }

    /// <summary>Stops the job actor (and with it its journal) and the bulk proxies, keeping the job itself.</summary>
    private void StopJobActor()
    {
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
        (_jobActor, _jobShards) = (null, []);
    }

    /// <summary>Reads the job's journal off the actor thread; the job actor starts from it in <see cref="OnJobRecordRead"/>.</summary>
    private void ReadJobJournal(JobSpec job)
    {
        var system = Context.System;
        JobJournal.ReadAsync(system, job.JobId, TimeSpan.FromSeconds(60)).ContinueWith(
            t => new JobRecordRead(job.JobId, t.IsCompletedSuccessfully ? t.Result : null, t.Exception?.GetBaseException().Message, t.Exception?.GetBaseException() is CorruptJournalException),
            TaskScheduler.Default).PipeTo(Self);
    }

    private void OnJobRecordRead(JobRecordRead read)
    {
        if (_slot.JournalRead(read.JobId) is not { } reason)
        {
            return;
        }

        if (read is { Error: { } corrupt, Corrupt: true })
        {
            EndJob(new JobFailed(corrupt), "failed");
            return;
        }

        if (read.Error is not null)
        {
            // The database may be back in a moment: the next check tries again, within the wait limit.
            _log.Warning("job {0}: reading its journal failed: {1}", read.JobId, read.Error);
            return;
        }

        foreach (var warning in read.Record?.Warnings ?? [])
        {
            _log.Warning(warning);
            _client.Tell(new JobNotice(warning, Warning: true));
        }

        _slot.ResumeFrom(new ResumePlan(read.Record?.Checkpoints ?? [], read.Record?.StepsSinceCheckpoint ?? 0, reason));
        StartJobActor(_slot.Job!);
    }

    private sealed record ReopenClusterJournal : INoSerializationVerificationNeeded;

    private sealed record JobRecordRead(string JobId, JobJournal.JobRecord? Record, string? Error, bool Corrupt);
}
