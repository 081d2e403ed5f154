// Checkpoints and recovery: the coordinator asks every shard for a snapshot (at epoch ends, every N steps, every T
// seconds), records the checkpoint in the job's journal once all have confirmed, keeps the last k, retries a failed
// one, and starts a resumed job from the newest checkpoint every shard can load.
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Dtrain.Protocol.Persistence;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.ParameterShardProtocol;
using static Dtrain.Protocol.Persistence.JobEvents;

namespace Dtrain.Coordinator;

internal sealed partial class CoordinatorActor
{
    /// <summary>How long a checkpoint may take before it counts as failed.</summary>
    private static readonly TimeSpan CheckpointTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Wait before a failed checkpoint is tried again, and before a failed journal is reopened.</summary>
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    private readonly ResumePlan? _resume;
    private readonly List<CheckpointRecord> _completed = [];
    private readonly Dictionary<long, PendingCheckpoint> _pending = [];
    private IActorRef? _journal;
    private long _nextCheckpoint = 1;
    private long _stepsSinceCheckpoint;
    private long _lastCheckpointAt = Stopwatch.GetTimestamp();
    private int _restoring = -1;
    private long _loadRequest;
    private int _epochSkippedExamples;
    private long _resumedFrom = -1;

    /// <summary>The complete checkpoint taken at the end of the best epoch on validation (-1: none); keep-k never drops it.</summary>
    private long _bestCheckpoint = -1;

    private bool CheckpointsOn => _job.Settings.Checkpoint && Storage.IsConfigured(Context.System);

    /// <summary>Tries of the final checkpoint after it failed, before the job ends without one.</summary>
    private const int FinalRetries = 3;

    private bool _finalCheckpointDue;
    private bool _retryScheduled;
    private int _finalRetries;

    /// <summary>Checkpoints the job must wait for before it completes: those in flight, and a final one to retry.</summary>
    private int CheckpointsInFlight => _pending.Count + (_retryScheduled && _finalCheckpointDue ? 1 : 0);

    /// <summary>Opens the job's journal and records the submission; a resumed job carries on after its last event.</summary>
    private void StartJournal()
    {
        if (!CheckpointsOn)
        {
            return;
        }

        _journal = Context.ActorOf(JobJournal.Props(_job.JobId, Self), $"journal-{Guid.NewGuid():N}");
        // A resumed job records its submission again: flags given to resume (e.g. more epochs) hold for a later resume too.
        Record(new JobSubmitted(_job.JobId, _job.ModelFile, _job.ModelJson, _job.TrainArgs ?? [], _job.Schema?.ToJson()));
        if (_resume is not null)
        {
            _completed.AddRange(_resume.Checkpoints);
            _bestCheckpoint = _resume.Checkpoints.LastOrDefault(c => c.Best)?.Id ?? -1;
            _nextCheckpoint = _resume.Checkpoints.Count == 0 ? 1 : _resume.Checkpoints.Max(c => c.Id) + 1;
        }
    }

    private void Record(IJobEvent e) => _journal?.Tell(new JobJournal.Record(e));

    private void Notice(string text, bool warning = false)
    {
        // Logged at info: the listener shows it to the user (a warning there), so the console does not say it twice.
        _log.Info(text);
        _listener.Tell(new JobNotice(text, warning));
    }

    private void StartTimers()
    {
        if (CheckpointsOn && _job.Settings.CheckpointEverySeconds > 0)
        {
            Timers.StartPeriodicTimer("checkpoint-clock", CheckpointClock.Instance, TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Handlers for checkpoints in flight; every behaviour after placing has them.</summary>
    private void Checkpointing()
    {
        Receive<ShardCheckpointed>(OnShardCheckpointed);
        Receive<ShardCheckpointFailed>(f => CheckpointFailed(f.CheckpointId, $"shard {f.ShardId}: {f.Reason}"));
        Receive<JobJournal.Recorded>(OnRecorded);
        Receive<JobJournal.JournalFailed>(OnJournalFailed);
        Receive<CheckpointClock>(_ =>
        {
            if (Stopwatch.GetElapsedTime(_lastCheckpointAt).TotalSeconds >= _job.Settings.CheckpointEverySeconds && _pending.Count == 0 && _epoch is { Complete: false })
            {
                TakeCheckpoint($"{_job.Settings.CheckpointEverySeconds} s since the last", epochEnd: false);
            }
        });
        Receive<CheckpointTimedOut>(t => CheckpointFailed(t.Id, $"no answer from every shard within {CheckpointTimeout.TotalMinutes:F0} min"));
        Receive<RetryCheckpoint>(_ =>
        {
            _retryScheduled = false;
            if (_pending.Count > 0)
            {
                return;
            }

            if (_epoch is { Complete: false })
            {
                TakeCheckpoint("retry of a failed one", epochEnd: false);
            }
            else if (_finalCheckpointDue && _finalRetries++ < FinalRetries)
            {
                TakeCheckpoint($"retry {_finalRetries} of {FinalRetries} of the final one", epochEnd: true);
            }
            else
            {
                Self.Tell(new FinishIfDone());
            }
        });
        Receive<ReopenJournal>(_ => StartJournalAgain());
    }

    private void StepsTrained(long steps)
    {
        _stepsSinceCheckpoint += steps;
        var every = _job.Settings.CheckpointEverySteps;
        if (CheckpointsOn && every > 0 && _stepsSinceCheckpoint >= every && _pending.Count == 0 && _epoch is { Complete: false })
        {
            TakeCheckpoint($"{_stepsSinceCheckpoint:N0} steps since the last", epochEnd: false);
        }
    }

    /// <summary>
    /// Asks every shard for a snapshot of what it holds now. The record is the job's position now: the epoch in progress
    /// with its partitions done, or after an epoch's evaluation the next epoch with none done.
    /// </summary>
    private void TakeCheckpoint(string why, bool epochEnd)
    {
        if (!CheckpointsOn)
        {
            return;
        }

        _finalCheckpointDue = epochEnd && (_epoch!.Epoch >= _job.Settings.Epochs || _stoppedEarly);
        var id = _nextCheckpoint++;
        var epoch = _epoch!;
        var record = new CheckpointRecord(
            id,
            epochEnd ? epoch.Epoch + 1 : epoch.Epoch,
            epochEnd ? [] : epoch.DonePartitions(),
            _totalSteps + (epochEnd ? 0 : _epochSteps),
            _trainSeconds,
            _trainExamples,
            epochEnd ? 0 : _epochLoss,
            epochEnd ? 0 : _epochSteps,
            [.. _history],
            _shards.Count,
            0,
            DateTime.UtcNow,
            Best: epochEnd && _evaluatedIsBest);
        _pending[id] = new PendingCheckpoint(record, why, [], 0, 0, Stopwatch.GetTimestamp());
        _stepsSinceCheckpoint = 0;
        _lastCheckpointAt = Stopwatch.GetTimestamp();
        for (var s = 0; s < _shards.Count; s++)
        {
            _shards[s].Tell(new TakeCheckpoint(id, ShardSnapshot.PersistenceId(_job.JobId, s)));
        }

        Timers.StartSingleTimer($"checkpoint-timeout-{id}", new CheckpointTimedOut(id), CheckpointTimeout);
    }

    private void OnShardCheckpointed(ShardCheckpointed done)
    {
        if (!_pending.TryGetValue(done.CheckpointId, out var p) || !p.Confirmed.Add(done.ShardId))
        {
            return;
        }

        _pending[done.CheckpointId] = p with { Bytes = p.Bytes + done.Bytes, LongestCopy = Math.Max(p.LongestCopy, done.CopySeconds) };
        if (p.Confirmed.Count == _shards.Count)
        {
            // Complete only once the journal has it: a checkpoint the journal lost does not count.
            StartJournalAgain();
            _journal!.Tell(new JobJournal.Record(new CheckpointCompleted(p.Record with { Bytes = p.Bytes + done.Bytes })));
        }
    }

    private void OnRecorded(JobJournal.Recorded recorded)
    {
        if (recorded.Event is not CheckpointCompleted { Checkpoint: var record } || !_pending.Remove(record.Id, out var p))
        {
            return;
        }

        Timers.Cancel($"checkpoint-timeout-{record.Id}");
        _completed.Add(record);
        if (record.Epoch > _job.Settings.Epochs || (_stoppedEarly && record.DonePartitions.Length == 0 && record.Epoch > _evalEpoch))
        {
            _finalCheckpointDue = false;
        }

        if (record.Best)
        {
            _bestCheckpoint = record.Id;
        }

        var seconds = Stopwatch.GetElapsedTime(p.Started).TotalSeconds;
        Notice(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"checkpoint {record.Id} saved ({p.Why}; resumes at epoch {record.Epoch}, step {record.Steps:N0}): {_shards.Count} shard(s), {record.Bytes / 1e6:F1} MB in {seconds:F2} s, serving paused {p.LongestCopy * 1000:F1} ms"));
        DropOldCheckpoints();
        Resolved();
    }

    /// <summary>Keeps the newest <c>checkpoint_keep</c> complete checkpoints, and the best one wherever it falls.</summary>
    private void DropOldCheckpoints()
    {
        var drop = _completed.Take(Math.Max(0, _completed.Count - _job.Settings.CheckpointKeep)).Select(c => c.Id).Where(id => id != _bestCheckpoint).ToArray();
        if (drop.Length == 0)
        {
            return;
        }

        _completed.RemoveAll(c => drop.Contains(c.Id));
        Record(new CheckpointsDropped(drop));
        foreach (var id in drop)
        {
            DeleteSnapshots(id);
        }
    }

    private void DeleteSnapshots(long id)
    {
        // One snapshot per shard, by its id: the SQL snapshot store reads DeleteSnapshots' criteria as "up to id", which
        // for a failed checkpoint would also delete every complete one before it.
        var store = Akka.Persistence.Persistence.Instance.Apply(Context.System).SnapshotStoreFor(null);
        for (var s = 0; s < _shards.Count; s++)
        {
            store.Tell(new DeleteSnapshot(new SnapshotMetadata(ShardSnapshot.PersistenceId(_job.JobId, s), id, DateTime.MinValue)), ActorRefs.NoSender);
        }
    }

    private void CheckpointFailed(long id, string reason)
    {
        if (!_pending.Remove(id, out var p))
        {
            return;
        }

        Timers.Cancel($"checkpoint-timeout-{id}");
        var final = _finalCheckpointDue && _epoch is { Complete: true };
        Notice(final && _finalRetries >= FinalRetries
            ? $"checkpoint {id} ({p.Why}) failed and does not count: {reason}; the job ends without a checkpoint of its final parameters (the last complete one is {(_completed.Count > 0 ? _completed[^1].Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")})"
            : $"checkpoint {id} ({p.Why}) failed and does not count: {reason}; training goes on, and a new checkpoint is tried in {RetryDelay.TotalSeconds:F0} s", warning: true);
        DeleteSnapshots(id); // the shards that did write theirs leave no orphan behind
        if (!final || _finalRetries < FinalRetries)
        {
            _retryScheduled = true;
            Timers.StartSingleTimer("checkpoint-retry", RetryCheckpoint.Instance, RetryDelay);
        }

        Resolved();
    }

    private void OnJournalFailed(JobJournal.JournalFailed failed)
    {
        // The journal stops after a failed write; checkpoints waiting for it do not count, and it is reopened later.
        foreach (var id in _pending.Where(p => p.Value.Confirmed.Count == _shards.Count).Select(p => p.Key).ToList())
        {
            CheckpointFailed(id, $"the job journal could not record it: {failed.Reason}");
        }

        if (_journal is not null)
        {
            _journal = null;
            Timers.StartSingleTimer("journal-reopen", ReopenJournal.Instance, RetryDelay);
        }
    }

    private void StartJournalAgain()
    {
        if (_journal is not null || !CheckpointsOn)
        {
            return;
        }

        _journal = Context.ActorOf(JobJournal.Props(_job.JobId, Self), $"journal-{Guid.NewGuid():N}");
    }

    /// <summary>
    /// Journals how the job ended, then tells the listener (which may stop the process): a resumed job must not find
    /// a finished job still marked running. A journal that does not confirm within 10 s does not hold the job up.
    /// </summary>
    private void EndWith(JobEnded ended, object report)
    {
        if (_journal is not { } journal)
        {
            _listener.Tell(report);
            Become(() => ReceiveAny(_ => { }));
            return;
        }

        journal.Tell(new JobJournal.Record(ended));
        Timers.StartSingleTimer("end-journaled", new EndJournaled(ended), TimeSpan.FromSeconds(10));
        Become(() =>
        {
            Receive<JobJournal.Recorded>(r => r.Event is JobEnded, _ => Ended());
            Receive<JobJournal.JournalFailed>(_ => Ended());
            Receive<EndJournaled>(_ => Ended());
            ReceiveAny(_ => { });
        });

        void Ended()
        {
            _listener.Tell(report);
            Become(() => ReceiveAny(_ => { }));
        }
    }

    /// <summary>A checkpoint resolved; a job that was only waiting for it may now complete.</summary>
    private void Resolved()
    {
        if (_pending.Count == 0)
        {
            Self.Tell(new FinishIfDone());
        }
    }

    /// <summary>Asks every shard to load checkpoint <c>_resume.Checkpoints[index]</c>.</summary>
    private void RestoreShards(int index)
    {
        _restoring = index;
        NewLoadRequest();
        var record = _resume!.Checkpoints[index];
        var optimizer = Optimizer();
        for (var s = 0; s < _shards.Count; s++)
        {
            _shards[s].Tell(new RestoreShard(s, _placement[s], optimizer, SyncQuorum(), record.Id, ShardSnapshot.PersistenceId(_job.JobId, s), _loadRequest));
        }
    }

    /// <summary>
    /// Starts a new attempt at loading the shards (initial values, or a checkpoint): only replies naming its request id
    /// count, so a shard's late answer to the attempt before (a checkpoint given up for an older one) cannot make
    /// the job start while that shard is still loading. Random: a new coordinator's ids never repeat an old one's.
    /// </summary>
    private void NewLoadRequest()
    {
        _loadRequest = Random.Shared.NextInt64(1, long.MaxValue);
        _readyShards.Clear();
    }

    private bool IsStale(long requestId, int shardId)
    {
        if (requestId == _loadRequest)
        {
            return false;
        }

        _log.Info("shard {0}: ignored an answer to an earlier load request", shardId);
        return true;
    }

    /// <summary>A shard cannot load the checkpoint: warn, naming it, and fall back to the one before it.</summary>
    private void OnRestoreRejected(InitShardRejected rejected)
    {
        var index = _restoring;
        var record = _resume!.Checkpoints[index];
        if (index > 0)
        {
            var previous = _resume.Checkpoints[index - 1];
            Notice($"checkpoint {record.Id} cannot be used: {rejected.Reason}; recovering from the previous complete checkpoint {previous.Id} (epoch {previous.Epoch}, step {previous.Steps:N0}) instead", warning: true);
            _completed.RemoveAll(c => c.Id >= record.Id);
            RestoreShards(index - 1);
            return;
        }

        _restoring = -1;
        Fail($"no checkpoint of job {_job.JobId} can be restored; the oldest kept, {record.Id}, fails too: {rejected.Reason}");
    }

    /// <summary>After a restore: the job's counters come from the checkpoint (null for a fresh start).</summary>
    private CheckpointRecord? TakeRestoredState()
    {
        if (_restoring < 0 || _resume is not { } resume)
        {
            return null;
        }

        var from = resume.Checkpoints[_restoring];
        _restoring = -1;
        _resumedFrom = from.Id;
        _history.AddRange(from.History);
        foreach (var epoch in from.History)
        {
            ObserveBest(epoch); // the best epoch and the epochs since it, as they stood when the checkpoint was taken
        }

        // A mid-epoch record's steps include the epoch's so far, which StartEpoch puts back into _epochSteps.
        (_totalSteps, _trainSeconds, _trainExamples) = (from.Steps - from.EpochSteps, from.TrainSeconds, from.TrainExamples);
        var partitions = (_trainingSet.Count + _job.Settings.PartitionSize - 1) / _job.Settings.PartitionSize;
        var lost = resume.LostSteps + (resume.Checkpoints[^1].Id != from.Id ? resume.Checkpoints[^1].Steps - from.Steps : 0);
        Notice(from.Epoch > _job.Settings.Epochs
            ? $"resumed from checkpoint {from.Id}, taken after the last epoch: nothing is left to train"
            : $"resumed from checkpoint {from.Id} ({resume.Reason}): epoch {from.Epoch}, {from.DonePartitions.Length} of {partitions} partitions done, step {from.Steps:N0}; {lost:N0} step(s) trained after it are trained again");
        Record(new JobResumed(from.Id, lost, resume.Reason));
        return from;
    }

    private sealed record PendingCheckpoint(CheckpointRecord Record, string Why, HashSet<int> Confirmed, long Bytes, double LongestCopy, long Started);

    private sealed record CheckpointTimedOut(long Id);

    private sealed record EndJournaled(JobEnded Ended);

    private sealed class CheckpointClock
    {
        public static readonly CheckpointClock Instance = new();
    }

    private sealed class RetryCheckpoint
    {
        public static readonly RetryCheckpoint Instance = new();
    }

    private sealed class ReopenJournal
    {
        public static readonly ReopenJournal Instance = new();
    }
}
