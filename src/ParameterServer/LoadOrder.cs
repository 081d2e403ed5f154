// Loads (InitShard, RestoreShard) in order: each request names itself, only the newest is loaded, a resent copy is
// answered again rather than loaded twice, and the snapshot read of a replaced restore is recognized and dropped.
using Dtrain.Protocol;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer;

/// <summary>What <see cref="LoadOrder{TReply}.Begin"/> makes of a load request.</summary>
internal abstract record LoadStart
{
    private LoadStart()
    {
    }

    /// <summary>A new load: it replaces whatever was loading; <paramref name="Attempt"/> names it.</summary>
    public sealed record New(long Attempt) : LoadStart;

    /// <summary>
    /// A copy of the newest load: answer again with <paramref name="Answer"/>, or, while it has none yet, its sender
    /// is now the one who gets it (a new bulk session).
    /// </summary>
    public sealed record Repeated(IWireMessage? Answer) : LoadStart;

    /// <summary>A copy of an older load that <paramref name="Newest"/> replaced: dropped, so it does not roll the shard back.</summary>
    public sealed record Replaced(long Newest) : LoadStart;
}

/// <summary>
/// The loads a shard was asked for. <typeparamref name="TReply"/> names who waits for the answer (an actor
/// reference in the shard).
/// </summary>
internal sealed class LoadOrder<TReply>
{
    // Request ids of every load asked for: a copy of an old one (a bulk channel resends what it had not seen
    // acknowledged when it reconnects) must not roll the shard back to what that request loaded.
    private readonly HashSet<long> _seen = [];

    // The newest load: its request id, who waits for the answer, and the answer once given.
    private long _request;
    private TReply? _replyTo;
    private IWireMessage? _answer;

    // The restore whose snapshot is being read, if any.
    private RestoreShard? _reading;

    /// <summary>Counts loads begun, so the snapshot read of a replaced restore is recognized when it comes back.</summary>
    public long Attempt { get; private set; }

    /// <summary>
    /// Load <paramref name="requestId"/> from <paramref name="replyTo"/>: new, or a copy of one asked for before.
    /// 0 names no request: every such load is new.
    /// </summary>
    public LoadStart Begin(long requestId, TReply replyTo)
    {
        if (requestId != 0)
        {
            if (requestId == _request)
            {
                if (_answer is null)
                {
                    _replyTo = replyTo; // the copy's sender is the one still listening
                }

                return new LoadStart.Repeated(_answer);
            }

            if (!_seen.Add(requestId))
            {
                return new LoadStart.Replaced(_request);
            }
        }

        Attempt++;
        _reading = null;
        (_request, _replyTo, _answer) = (requestId, replyTo, null);
        return new LoadStart.New(Attempt);
    }

    /// <summary>The newest load is a restore whose snapshot is now being read.</summary>
    public void Reading(RestoreShard restore) => _reading = restore;

    /// <summary>
    /// The snapshot read of load <paramref name="attempt"/> came back: its restore when it is still the newest load,
    /// else null (a newer load replaced it, and its values must not land).
    /// </summary>
    public RestoreShard? ReadEnded(long attempt)
    {
        if (attempt != Attempt || _reading is not { } restore)
        {
            return null;
        }

        _reading = null;
        return restore;
    }

    /// <summary>The newest load ended with <paramref name="answer"/>: kept for copies of the request; returns who waits for it.</summary>
    public TReply Ended(IWireMessage answer)
    {
        _answer = answer;
        return _replyTo!;
    }
}
