// Synchronous rounds with backup workers: the shard's version is the round number; each round averages the
// first min(N, active workers) pushes computed from it, drops the late ones, and answers the next round's pulls
// only once it has applied. Plain C#: it returns the replies to send instead of sending them.
using System.Numerics;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer;

/// <summary>
/// What a step of the round leaves to send: acknowledgements and the answers to held-back pulls, each with the one
/// waiting for it. <see cref="Closed"/> is true when the round applied.
/// </summary>
internal sealed record RoundOutcome<TReply>(bool Closed, IReadOnlyList<(TReply To, PushAck Ack)> Acks, IReadOnlyList<(TReply To, Params Params)> Pulls)
{
    /// <summary>Nothing to send: the round is still open.</summary>
    public static readonly RoundOutcome<TReply> Open = new(false, [], []);
}

/// <summary>
/// The open round of a synchronous shard (N &gt; 0), over a <see cref="ShardStore"/> that applies its mean.
/// <typeparamref name="TReply"/> names who waits for an answer (an actor reference in the shard).
/// </summary>
internal sealed class SyncRound<TReply>
{
    private readonly HashSet<int> _activeWorkers = [];
    private readonly List<(int Worker, long Seq, TReply ReplyTo)> _contributors = [];
    private readonly List<(TReply ReplyTo, Pull Pull)> _heldPulls = [];
    private readonly float[] _sum;
    private ulong _groupMask;

    /// <summary>Rounds of <paramref name="quorum"/> pushes over <paramref name="floats"/> floats.</summary>
    public SyncRound(int quorum, int floats)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quorum);
        Quorum = quorum;
        _sum = new float[floats];
    }

    /// <summary>N: pushes a round averages when at least N workers take part.</summary>
    public int Quorum { get; }

    /// <summary>Pushes computed from a round already applied, acknowledged without applying.</summary>
    public long LateDropped { get; private set; }

    /// <summary>Rounds applied.</summary>
    public long Rounds { get; private set; }

    /// <summary>
    /// Pushes a round waits for: N, or fewer when fewer workers hold a partition (at the end of an epoch, or after
    /// deaths), so a round never waits for a worker that will not push.
    /// </summary>
    private int RoundSize => Math.Max(1, Math.Min(Quorum, _activeWorkers.Count));

    /// <summary>
    /// A worker that already holds this round's parameters must wait for the next round: its pull is held (true)
    /// and answered when the round applies (it has pushed its part, or will be counted late).
    /// </summary>
    public bool Holds(ShardStore store, Pull pull, TReply replyTo)
    {
        if (pull.KnownVersion != store.Version)
        {
            return false;
        }

        store.PullHeld();
        _heldPulls.Add((replyTo, pull));
        return true;
    }

    /// <summary>
    /// Adds a fresh push (<see cref="ShardStore.Admit"/>) to the round; one computed from an earlier round is
    /// dropped and acknowledged as not applied (the backup worker's share).
    /// </summary>
    public RoundOutcome<TReply> Contribute(ShardStore store, Push push, TReply replyTo)
    {
        if (push.BaseVersion != store.Version)
        {
            LateDropped++;
            return new(false, [(replyTo, new PushAck(store.ShardId, push.WorkerId, push.Seq, store.Version, false))], []);
        }

        var gradient = push.Gradient.Span;
        var sum = _sum.AsSpan();
        foreach (var (start, length, state, _) in store.Runs)
        {
            if (state)
            {
                // Running statistics are values: the round keeps the latest, as the asynchronous mode does.
                gradient.Slice(start, length).CopyTo(sum.Slice(start, length));
            }
            else
            {
                AddInto(sum.Slice(start, length), gradient.Slice(start, length));
            }
        }

        // Every push of a round carries one mask (workers take the sub-step the round's version decides); should two
        // differ, the round updates the groups any of them names.
        _groupMask = _contributors.Count == 0 ? push.GroupMask : _groupMask == 0 || push.GroupMask == 0 ? 0 : _groupMask | push.GroupMask;
        _contributors.Add((push.WorkerId, push.Seq, replyTo));
        return TryClose(store);
    }

    /// <summary>Worker <paramref name="workerId"/> starts or stops taking part; a round it no longer waits for may close.</summary>
    public RoundOutcome<TReply> Membership(ShardStore store, int workerId, bool active)
    {
        if (active)
        {
            _activeWorkers.Add(workerId);
        }
        else
        {
            _activeWorkers.Remove(workerId);
        }

        return TryClose(store);
    }

    private RoundOutcome<TReply> TryClose(ShardStore store)
    {
        if (_contributors.Count == 0 || _contributors.Count < RoundSize)
        {
            return RoundOutcome<TReply>.Open;
        }

        // The mean of the round's gradients; state runs hold values and are not scaled.
        var scale = 1f / _contributors.Count;
        var sum = _sum.AsSpan();
        foreach (var (start, length, state, _) in store.Runs)
        {
            if (!state)
            {
                Scale(sum.Slice(start, length), scale);
            }
        }

        store.ApplyUpdate(sum, 0, _contributors.Count, _groupMask);
        sum.Clear();
        Rounds++;
        var acks = _contributors.Select(c => (c.ReplyTo, new PushAck(store.ShardId, c.Worker, c.Seq, store.Version, true))).ToList();
        var pulls = _heldPulls.Select(h => (h.ReplyTo, store.Answer(h.Pull))).ToList();
        _contributors.Clear();
        _heldPulls.Clear();
        return new(true, acks, pulls);
    }

    private static void AddInto(Span<float> sum, ReadOnlySpan<float> x)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= sum.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                (new Vector<float>(sum[i..]) + new Vector<float>(x[i..])).CopyTo(sum[i..]);
            }
        }

        for (; i < sum.Length; i++)
        {
            sum[i] += x[i];
        }
    }

    private static void Scale(Span<float> x, float factor)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                (new Vector<float>(x[i..]) * factor).CopyTo(x[i..]);
            }
        }

        for (; i < x.Length; i++)
        {
            x[i] *= factor;
        }
    }
}
