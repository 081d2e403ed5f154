// When the coordinator takes a checkpoint, when a failed one is retried, whether the final one is still owed, and
// which complete ones are dropped: plain state that returns decisions; the actor sends the messages.
using Dtrain.Protocol.Persistence;

namespace Dtrain.Coordinator;

/// <summary>
/// The job's checkpoints: those in flight (waiting for every shard, then for the journal), the complete ones kept,
/// and the rules for taking, retrying and dropping them. A checkpoint counts only once every shard has written its
/// snapshot and the journal has recorded it; a failed one is retried after a delay, the final one (after the last
/// epoch) at most <see cref="FinalRetries"/> times. Times are the caller's clock, so the rules are tested without one.
/// </summary>
public sealed class CheckpointPlan
{
    /// <summary>Tries of the final checkpoint after it failed, before the job ends without one.</summary>
    public const int FinalRetries = 3;

    private readonly int _shards;
    private readonly int _keep;
    private readonly int _epochs;
    private readonly long _everySteps;
    private readonly double _everySeconds;
    private readonly List<JobEvents.CheckpointRecord> _completed = [];
    private readonly Dictionary<long, Pending> _pending = [];
    private long _next = 1;
    private long _stepsSince;
    private TimeSpan _lastTakenAt;
    private bool _finalDue;
    private bool _retryScheduled;
    private int _finalRetries;
    private int? _stoppedAfter;

    /// <summary>
    /// A plan for <paramref name="shards"/> shards keeping the newest <paramref name="keep"/>; <paramref name="enabled"/>
    /// false takes none. A resumed job starts from the complete checkpoints it had (<paramref name="resumed"/>, oldest first).
    /// </summary>
    public CheckpointPlan(bool enabled, int shards, int keep, int epochs, long everySteps, double everySeconds, IReadOnlyList<JobEvents.CheckpointRecord>? resumed = null)
    {
        (Enabled, _shards, _keep, _epochs, _everySteps, _everySeconds) = (enabled, shards, keep, epochs, everySteps, everySeconds);
        if (enabled && resumed is { } r)
        {
            _completed.AddRange(r);
            BestId = r.LastOrDefault(c => c.Best)?.Id ?? -1;
            _next = r.Count == 0 ? 1 : r.Max(c => c.Id) + 1;
        }
    }

    /// <summary>False when checkpoints are off (by the job, or because no store is configured).</summary>
    public bool Enabled { get; }

    /// <summary>Whether the coordinator needs a clock tick to take checkpoints every so many seconds.</summary>
    public bool ClockNeeded => Enabled && _everySeconds > 0;

    /// <summary>The complete checkpoint of the best epoch on validation (-1: none); keep-k never drops it.</summary>
    public long BestId { get; private set; } = -1;

    /// <summary>Complete checkpoints kept.</summary>
    public int CompleteCount => _completed.Count;

    /// <summary>The newest complete checkpoint's id; -1 when there is none.</summary>
    public long LastCompleteId => _completed.Count > 0 ? _completed[^1].Id : -1;

    /// <summary>True while a checkpoint waits for its shards or the journal.</summary>
    public bool AnyPending => _pending.Count > 0;

    /// <summary>True while the checkpoint after the last epoch is owed: not yet complete, and not given up.</summary>
    public bool FinalDue => _finalDue;

    /// <summary>Checkpoints the job must wait for before it completes: those in flight, and a final one to retry.</summary>
    public int InFlight => _pending.Count + (_retryScheduled && _finalDue ? 1 : 0);

    /// <summary>Early stopping ended the job after <paramref name="epoch"/>: that epoch's end checkpoint is the final one.</summary>
    public void StoppedEarlyAfter(int epoch) => _stoppedAfter = epoch;

    /// <summary>
    /// Counts <paramref name="steps"/> trained; the reason for a checkpoint when <c>checkpoint_every_steps</c> have
    /// passed since the last, none is in flight and the epoch is still running; null otherwise.
    /// </summary>
    public string? DueAfterSteps(long steps, bool epochRunning)
    {
        _stepsSince += steps;
        return Enabled && _everySteps > 0 && _stepsSince >= _everySteps && _pending.Count == 0 && epochRunning
            ? $"{_stepsSince:N0} steps since the last"
            : null;
    }

    /// <summary>The reason for a checkpoint when <c>checkpoint_every_seconds</c> have passed at <paramref name="now"/>; null otherwise.</summary>
    public string? DueOnClock(TimeSpan now, bool epochRunning) =>
        (now - _lastTakenAt).TotalSeconds >= _everySeconds && _pending.Count == 0 && epochRunning
            ? $"{_everySeconds} s since the last"
            : null;

    /// <summary>
    /// Starts a checkpoint of <paramref name="position"/> (its id is given here) at <paramref name="now"/>; null when
    /// checkpoints are off. An epoch-end one after the last epoch (or after early stopping) is the final one.
    /// </summary>
    /// <param name="position">The job's position: for an epoch end, the next epoch with no partition done.</param>
    public JobEvents.CheckpointRecord? Start(JobEvents.CheckpointRecord position, string why, bool epochEnd, TimeSpan now)
    {
        if (!Enabled)
        {
            return null;
        }

        var trainedEpoch = epochEnd ? position.Epoch - 1 : position.Epoch;
        _finalDue = epochEnd && (trainedEpoch >= _epochs || _stoppedAfter is not null);
        var record = position with { Id = _next++ };
        _pending[record.Id] = new Pending(record, why, [], 0, 0, now);
        _stepsSince = 0;
        _lastTakenAt = now;
        return record;
    }

    /// <summary>
    /// Shard <paramref name="shardId"/> wrote its snapshot of checkpoint <paramref name="id"/>. When it was the last
    /// shard, returns the record (with the bytes of all) for the journal; null otherwise, and for a repeated answer.
    /// </summary>
    public JobEvents.CheckpointRecord? ShardWritten(long id, int shardId, long bytes, double copySeconds)
    {
        if (!_pending.TryGetValue(id, out var p) || !p.Confirmed.Add(shardId))
        {
            return null;
        }

        _pending[id] = p = p with { Bytes = p.Bytes + bytes, LongestCopy = Math.Max(p.LongestCopy, copySeconds) };
        return p.Confirmed.Count == _shards ? p.Record with { Bytes = p.Bytes } : null;
    }

    /// <summary>
    /// The journal recorded checkpoint <paramref name="record"/>: it is complete. Returns what to tell and which old
    /// checkpoints to delete; null for one not in flight here.
    /// </summary>
    public Saved? Recorded(JobEvents.CheckpointRecord record, TimeSpan now)
    {
        if (!_pending.Remove(record.Id, out var p))
        {
            return null;
        }

        _completed.Add(record);
        if (record.Epoch > _epochs || (_stoppedAfter is { } stopped && record.DonePartitions.Length == 0 && record.Epoch > stopped))
        {
            _finalDue = false;
        }

        if (record.Best)
        {
            BestId = record.Id;
        }

        return new Saved(record, p.Why, (now - p.Started).TotalSeconds, p.LongestCopy, DropOld());
    }

    /// <summary>
    /// Checkpoint <paramref name="id"/> failed and does not count. Null when it was not in flight; otherwise whether
    /// the job gives up on its final checkpoint, or (the other case) a retry is due after a delay.
    /// </summary>
    /// <param name="epochComplete">True when the epoch being trained is done (a failed checkpoint then was the final one's).</param>
    public Failure? Failed(long id, bool epochComplete)
    {
        if (!_pending.Remove(id, out var p))
        {
            return null;
        }

        var givesUp = _finalDue && epochComplete && _finalRetries >= FinalRetries;
        _retryScheduled |= !givesUp;
        return new Failure(id, p.Why, givesUp, LastCompleteId);
    }

    /// <summary>Checkpoints every shard wrote that wait for the journal: when the journal fails, they fail with it.</summary>
    public IReadOnlyList<long> AwaitingJournal() => _pending.Where(p => p.Value.Confirmed.Count == _shards).Select(p => p.Key).ToList();

    /// <summary>The retry delay after a failure has passed: what to do now.</summary>
    /// <param name="epochRunning">True while an epoch's partitions are still being trained.</param>
    public Retry RetryNow(bool epochRunning)
    {
        _retryScheduled = false;
        if (_pending.Count > 0)
        {
            return new Retry(RetryAction.Nothing, "");
        }

        if (epochRunning)
        {
            return new Retry(RetryAction.Take, "retry of a failed one");
        }

        if (_finalDue && _finalRetries++ < FinalRetries)
        {
            return new Retry(RetryAction.TakeFinal, $"retry {_finalRetries} of {FinalRetries} of the final one");
        }

        return new Retry(RetryAction.FinishIfDone, "");
    }

    /// <summary>A resumed job's checkpoint <paramref name="id"/> and every newer one cannot be loaded: they no longer count.</summary>
    public void Unusable(long id) => _completed.RemoveAll(c => c.Id >= id);

    /// <summary>Keeps the newest <c>checkpoint_keep</c> complete checkpoints, and the best one wherever it falls; returns the ids dropped.</summary>
    private long[] DropOld()
    {
        var drop = _completed.Take(Math.Max(0, _completed.Count - _keep)).Select(c => c.Id).Where(id => id != BestId).ToArray();
        _completed.RemoveAll(c => drop.Contains(c.Id));
        return drop;
    }

    /// <summary>A checkpoint complete and journaled: it took <paramref name="Seconds"/>; <paramref name="Dropped"/> are deleted.</summary>
    public sealed record Saved(JobEvents.CheckpointRecord Record, string Why, double Seconds, double LongestCopy, long[] Dropped);

    /// <summary>A failed checkpoint: <paramref name="GivesUp"/> when it was the final one's last try; otherwise it is retried.</summary>
    public sealed record Failure(long Id, string Why, bool GivesUp, long LastCompleteId);

    /// <summary>What the retry timer leads to, and the reason a new checkpoint carries.</summary>
    public sealed record Retry(RetryAction Action, string Why);

    /// <summary>The outcomes of a retry: nothing (one is in flight), a checkpoint, the final one again, or finishing.</summary>
    public enum RetryAction
    {
        /// <summary>A checkpoint is already in flight.</summary>
        Nothing,

        /// <summary>Take a mid-epoch checkpoint.</summary>
        Take,

        /// <summary>Take the final checkpoint again.</summary>
        TakeFinal,

        /// <summary>No checkpoint is owed: the job may complete.</summary>
        FinishIfDone,
    }

    private sealed record Pending(JobEvents.CheckpointRecord Record, string Why, HashSet<int> Confirmed, long Bytes, double LongestCopy, TimeSpan Started);
}
