// A shard's checkpoints being written: the copy of its state (the only pause in serving), who waits for each, and
// the buffer of the last one written, reused by the next. Plain C#: it returns the replies instead of sending them.
using System.Diagnostics;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer;

/// <summary>
/// Checkpoints copied and not yet written. <typeparamref name="TReply"/> names who waits for the answer (an actor
/// reference in the shard).
/// </summary>
internal sealed class CheckpointWrites<TReply>
{
    private readonly Dictionary<long, Pending> _pending = [];

    // The buffer of the last checkpoint once it is written, reused by the next: a shard holds one snapshot's worth of
    // memory between checkpoints, and a checkpoint is then a plain copy into mapped memory.
    private byte[]? _spare;

    /// <summary>Checkpoints copied and not yet written or failed.</summary>
    public int Count => _pending.Count;

    /// <summary>
    /// Copies <paramref name="store"/> into the (unsealed) bytes of checkpoint <paramref name="checkpointId"/>, to be
    /// written for <paramref name="replyTo"/>. Throws a <see cref="Models.DtrainException"/> when the state does not fit
    /// in one snapshot.
    /// </summary>
    public byte[] Copy(ShardStore store, long checkpointId, TReply replyTo)
    {
        var started = Stopwatch.GetTimestamp();
        var bytes = store.Snapshot(checkpointId, _spare);
        _spare = null;
        var copied = Stopwatch.GetTimestamp();
        _pending[checkpointId] = new Pending(replyTo, copied, Stopwatch.GetElapsedTime(started, copied).TotalSeconds, bytes.Length, store.Version, bytes);
        return bytes;
    }

    /// <summary>
    /// Checkpoint <paramref name="checkpointId"/> is in the database: the reply for whoever asked, or null when it is
    /// not one of these. Its buffer is kept for the next copy (the store holds no reference to it any more).
    /// </summary>
    public (TReply To, ShardCheckpointed Reply)? Written(long checkpointId, int shardId)
    {
        if (!_pending.Remove(checkpointId, out var pending))
        {
            return null;
        }

        _spare = pending.Buffer;
        var write = Stopwatch.GetElapsedTime(pending.Copied).TotalSeconds;
        return (pending.ReplyTo, new ShardCheckpointed(shardId, checkpointId, pending.Version, pending.Bytes, pending.CopySeconds, write));
    }

    /// <summary>Checkpoint <paramref name="checkpointId"/> was not written: the reply for whoever asked, or null when it is not one of these.</summary>
    public (TReply To, ShardCheckpointFailed Reply)? Failed(long checkpointId, int shardId, string reason) =>
        _pending.Remove(checkpointId, out var pending) ? (pending.ReplyTo, new ShardCheckpointFailed(shardId, checkpointId, reason)) : null;

    private readonly record struct Pending(TReply ReplyTo, long Copied, double CopySeconds, long Bytes, long Version, byte[] Buffer);
}
