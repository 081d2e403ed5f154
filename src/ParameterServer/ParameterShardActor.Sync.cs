// Synchronous rounds with backup workers: the shard's version is the round number; each round averages the
// first min(N, active workers) pushes computed from it, drops the late ones, and answers the next round's pulls
// only once it has applied.
using System.Numerics;
using Akka.Actor;
using Dtrain.Protocol;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer;

internal sealed partial class ParameterShardActor
{
    private readonly HashSet<int> _activeWorkers = [];
    private readonly List<(int Worker, long Seq, IActorRef ReplyTo)> _contributors = [];
    private readonly List<(IActorRef ReplyTo, Pull Pull)> _waitingPulls = [];

    // 0: asynchronous (every push applied as it comes); N > 0: rounds of N pushes.
    private int _quorum;
    private float[] _roundSum = [];
    private long _lateDropped;
    private long _rounds;

    private void StartRounds(int quorum, int floats)
    {
        _quorum = Math.Max(0, quorum);
        _roundSum = _quorum > 0 ? new float[floats] : [];
        _activeWorkers.Clear();
        _contributors.Clear();
        _waitingPulls.Clear();
        (_lateDropped, _rounds) = (0, 0);
    }

    /// <summary>
    /// Pushes a round waits for: N, or fewer when fewer workers hold a partition (at the end of an epoch, or after
    /// deaths), so a round never waits for a worker that will not push.
    /// </summary>
    private int RoundSize => Math.Max(1, Math.Min(_quorum, _activeWorkers.Count));

    /// <summary>
    /// Sync mode: a worker that already holds this round's parameters must wait for the next round. Its pull is
    /// answered when the round applies (it has pushed its part, or will be counted late).
    /// </summary>
    private bool DeferUntilRoundApplied(Pull pull)
    {
        if (_quorum == 0 || pull.KnownVersion != _version)
        {
            return false;
        }

        _waitingPulls.Add((Sender, pull));
        return true;
    }

    private void Contribute(Push push)
    {
        _lastSeq[push.WorkerId] = push.Seq;
        if (push.BaseVersion != _version)
        {
            // Computed from an earlier round, which has been applied without it: the backup worker's share.
            _lateDropped++;
            Sender.Tell(new PushAck(_shardId, push.WorkerId, push.Seq, _version, false));
            return;
        }

        var gradient = push.Gradient.Span;
        var sum = _roundSum.AsSpan();
        foreach (var (start, length, state) in _runs)
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

        _contributors.Add((push.WorkerId, push.Seq, Sender));
        TryCloseRound();
    }

    private void OnMembership(SyncMembership m)
    {
        if (m.Active)
        {
            _activeWorkers.Add(m.WorkerId);
        }
        else
        {
            _activeWorkers.Remove(m.WorkerId);
        }

        TryCloseRound();
    }

    private void TryCloseRound()
    {
        if (_quorum == 0 || _contributors.Count == 0 || _contributors.Count < RoundSize)
        {
            return;
        }

        // The mean of the round's gradients; state runs hold values and are not scaled.
        var scale = 1f / _contributors.Count;
        var sum = _roundSum.AsSpan();
        foreach (var (start, length, state) in _runs)
        {
            if (!state)
            {
                Scale(sum.Slice(start, length), scale);
            }
        }

        ApplyUpdate(sum, 0);
        sum.Clear();
        _rounds++;
        _applied += _contributors.Count;
        foreach (var (worker, seq, replyTo) in _contributors)
        {
            replyTo.Tell(new PushAck(_shardId, worker, seq, _version, true));
        }

        _contributors.Clear();
        foreach (var (replyTo, pull) in _waitingPulls)
        {
            replyTo.Tell(new Params(_shardId, pull.RequestId, _version, FloatBuffer.CopyOf(_values)), Self);
        }

        _waitingPulls.Clear();
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
