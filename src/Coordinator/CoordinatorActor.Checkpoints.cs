// Checkpoints as messages: asks every shard for a snapshot when the plan says one is due, journals it once all have
// confirmed, deletes the snapshots of failed and dropped ones, and retries after a delay. The rules are CheckpointPlan's.
using Akka.Actor;
using Akka.Persistence;
using Dtrain.Protocol.Persistence;
using static Dtrain.Protocol.ParameterShardProtocol;
using static Dtrain.Protocol.Persistence.JobEvents;

namespace Dtrain.Coordinator;

internal sealed partial class CoordinatorActor
{
    /// <summary>How long a checkpoint may take before it counts as failed.</summary>
    private static readonly TimeSpan CheckpointTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Wait before a failed checkpoint is tried again, and before a failed journal is reopened.</summary>
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    private void StartTimers()
    {
        if (_checkpoints.ClockNeeded)
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
            if (_checkpoints.DueOnClock(_wall.Elapsed, _epoch is { Complete: false }) is { } why)
            {
                TakeCheckpoint(why, epochEnd: false);
            }
        });
        Receive<CheckpointTimedOut>(t => CheckpointFailed(t.Id, $"no answer from every shard within {CheckpointTimeout.TotalMinutes:F0} min"));
        Receive<RetryCheckpoint>(_ =>
        {
            var retry = _checkpoints.RetryNow(_epoch is { Complete: false });
            switch (retry.Action)
            {
                case CheckpointPlan.RetryAction.Take:
                    TakeCheckpoint(retry.Why, epochEnd: false);
                    break;
                case CheckpointPlan.RetryAction.TakeFinal:
                    TakeCheckpoint(retry.Why, epochEnd: true);
                    break;
                case CheckpointPlan.RetryAction.FinishIfDone:
                    Self.Tell(new FinishIfDone());
                    break;
            }
        });
        Receive<ReopenJournal>(_ => StartJournalAgain());
    }

    /// <summary>
    /// Asks every shard for a snapshot of what it holds now. The record is the job's position now: the epoch in progress
    /// with its partitions done, or after an epoch's evaluation the next epoch with none done.
    /// </summary>
    private void TakeCheckpoint(string why, bool epochEnd)
    {
        if (!_checkpoints.Enabled)
        {
            return;
        }

        var record = _checkpoints.Start(_tally.Position(_epoch!, epochEnd, _shards.Count, DateTime.UtcNow), why, epochEnd, _wall.Elapsed)!;
        for (var s = 0; s < _shards.Count; s++)
        {
            _shards[s].Tell(new TakeCheckpoint(record.Id, ShardSnapshot.PersistenceId(_job.JobId, s)));
        }

        Timers.StartSingleTimer($"checkpoint-timeout-{record.Id}", new CheckpointTimedOut(record.Id), CheckpointTimeout);
    }

    private void OnShardCheckpointed(ShardCheckpointed done)
    {
        if (_checkpoints.ShardWritten(done.CheckpointId, done.ShardId, done.Bytes, done.CopySeconds) is { } record)
        {
            // Complete only once the journal has it: a checkpoint the journal lost does not count.
            StartJournalAgain();
            _journal!.Tell(new JobJournal.Record(new CheckpointCompleted(record)));
        }
    }

    private void OnRecorded(JobJournal.Recorded recorded)
    {
        if (recorded.Event is not CheckpointCompleted { Checkpoint: var record } || _checkpoints.Recorded(record, _wall.Elapsed) is not { } saved)
        {
            return;
        }

        Timers.Cancel($"checkpoint-timeout-{record.Id}");
        Notice(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"checkpoint {record.Id} saved ({saved.Why}; resumes at epoch {record.Epoch}, step {record.Steps:N0}): {_shards.Count} shard(s), {record.Bytes / 1e6:F1} MB in {saved.Seconds:F2} s, serving paused {saved.LongestCopy * 1000:F1} ms"));
        if (saved.Dropped.Length > 0)
        {
            Record(new CheckpointsDropped(saved.Dropped));
            foreach (var id in saved.Dropped)
            {
                DeleteSnapshots(id);
            }
        }

        Resolved();
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
        if (_checkpoints.Failed(id, _epoch is { Complete: true }) is not { } failure)
        {
            return;
        }

        Timers.Cancel($"checkpoint-timeout-{id}");
        var last = failure.LastCompleteId >= 0 ? failure.LastCompleteId.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none";
        Notice(failure.GivesUp
            ? $"checkpoint {id} ({failure.Why}) failed and does not count: {reason}; the job ends without a checkpoint of its final parameters (the last complete one is {last})"
            : $"checkpoint {id} ({failure.Why}) failed and does not count: {reason}; training goes on, and a new checkpoint is tried in {RetryDelay.TotalSeconds:F0} s", warning: true);
        DeleteSnapshots(id); // the shards that did write theirs leave no orphan behind
        if (!failure.GivesUp)
        {
            Timers.StartSingleTimer("checkpoint-retry", RetryCheckpoint.Instance, RetryDelay);
        }

        Resolved();
    }

    /// <summary>A checkpoint resolved; a job that was only waiting for it may now complete.</summary>
    private void Resolved()
    {
        if (!_checkpoints.AnyPending)
        {
            Self.Tell(new FinishIfDone());
        }
    }

    private sealed record CheckpointTimedOut(long Id);

    private sealed class CheckpointClock
    {
        public static readonly CheckpointClock Instance = new();
    }

    private sealed class RetryCheckpoint
    {
        public static readonly RetryCheckpoint Instance = new();
    }
}
