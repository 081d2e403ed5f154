// Which checkpoint the shards of a resumed job load (the newest, falling back one at a time to older ones), and which
// shard answers count: only those to the current load attempt.
using Dtrain.Protocol.Persistence;

namespace Dtrain.Coordinator;

/// <summary>
/// Loading the shards, with initial values or from a checkpoint. Each attempt has its own request id and only replies
/// naming it count, so a shard's late answer to the attempt before (a checkpoint given up for an older one) cannot
/// make the job start while that shard is still loading. A checkpoint a shard cannot load gives way to the one before.
/// </summary>
public sealed class RestorePlan
{
    private readonly IReadOnlyList<JobEvents.CheckpointRecord> _checkpoints;
    private readonly long _lostSteps;
    private readonly HashSet<int> _ready = [];
    private readonly int _shards;

    /// <summary>A plan for <paramref name="shards"/> shards over a resumed job's complete checkpoints (oldest first; empty for a fresh job).</summary>
    /// <param name="lostSteps">Steps the journal saw trained after the newest checkpoint.</param>
    public RestorePlan(int shards, IReadOnlyList<JobEvents.CheckpointRecord> checkpoints, long lostSteps = 0) =>
        (_shards, _checkpoints, _lostSteps) = (shards, checkpoints, lostSteps);

    /// <summary>The current load attempt's id; replies naming another one are stale.</summary>
    public long RequestId { get; private set; }

    /// <summary>The checkpoint being loaded; null while loading initial values or once the restore is taken.</summary>
    public JobEvents.CheckpointRecord? Restoring => Index >= 0 ? _checkpoints[Index] : null;

    private int Index { get; set; } = -1;

    /// <summary>
    /// Starts a load attempt with <paramref name="requestId"/> (random in the actor: a new coordinator's ids never
    /// repeat an old one's); returns the checkpoint to load first, the newest, or null to load initial values.
    /// </summary>
    public JobEvents.CheckpointRecord? Begin(long requestId)
    {
        Index = _checkpoints.Count - 1;
        NewAttempt(requestId);
        return Restoring;
    }

    /// <summary>True when a reply names an earlier attempt and must be ignored.</summary>
    public bool IsStale(long requestId) => requestId != RequestId;

    /// <summary>Shard <paramref name="shardId"/> has loaded in the current attempt; true once every shard has.</summary>
    public bool ShardReady(int shardId)
    {
        _ready.Add(shardId);
        return _ready.Count == _shards;
    }

    /// <summary>
    /// A shard cannot load the checkpoint being restored: starts an attempt (<paramref name="requestId"/>) at the one
    /// before it, and returns both; <c>Previous</c> is null when none is older (the job cannot be restored).
    /// </summary>
    public Fallback FallBack(long requestId)
    {
        var failed = _checkpoints[Index];
        if (Index == 0)
        {
            Index = -1;
            return new Fallback(failed, null);
        }

        Index--;
        NewAttempt(requestId);
        return new Fallback(failed, _checkpoints[Index]);
    }

    /// <summary>
    /// Every shard loaded: the checkpoint the job goes on from (null for a fresh start), and the steps trained after it
    /// that are trained again (the journal's own, plus those of newer checkpoints given up).
    /// </summary>
    public (JobEvents.CheckpointRecord From, long LostSteps)? TakeRestored()
    {
        if (Restoring is not { } from)
        {
            return null;
        }

        Index = -1;
        var newest = _checkpoints[^1];
        return (from, _lostSteps + (newest.Id != from.Id ? newest.Steps - from.Steps : 0));
    }

    private void NewAttempt(long requestId)
    {
        RequestId = requestId;
        _ready.Clear();
    }

    /// <summary>The checkpoint that failed to load, and the one tried instead (null: none is left).</summary>
    public sealed record Fallback(JobEvents.CheckpointRecord Failed, JobEvents.CheckpointRecord? Previous);
}
