// Loads (InitShard, RestoreShard) in order: each request names itself, only the newest is loaded, a resent copy is
// answered again rather than loaded twice, and while a snapshot is read the shard serves nothing.
using Akka.Actor;
using Akka.Event;
using Dtrain.Protocol;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer;

internal sealed partial class ParameterShardActor
{
    /// <summary>How long a snapshot read may take before the restore counts as failed.</summary>
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromMinutes(2);

    // Request ids of every load asked for: a copy of an old one (a bulk channel resends what it had not seen
    // acknowledged when it reconnects) must not roll the shard back to what that request loaded.
    private readonly HashSet<long> _seenLoads = [];

    // The newest load: its request id, who waits for the answer, and the answer once given.
    private long _loadRequest;
    private IActorRef _loadReplyTo = ActorRefs.Nobody;
    private IWireMessage? _loadAnswer;

    // Counts loads begun, so the snapshot read of a replaced restore is recognized when it comes back.
    private long _loadAttempt;

    // The request id of the load whose values the shard serves; pushes must carry it.
    private long _generation;

    /// <summary>
    /// A restore is reading its snapshot: nothing is served, so no pull sees and no push lands on values that are
    /// about to be replaced (pushes are refused; the worker that sent one has a new job to join).
    /// </summary>
    private void Loading()
    {
        Receive<InitShard>(Init);
        Receive<TakeCheckpoint>(t => Sender.Tell(new ShardCheckpointFailed(_shardId, t.CheckpointId, "the shard is loading a checkpoint")));
        Checkpoints();
        Receive<Pull>(p => Sender.Tell(new Params(-1, p.RequestId, -1, null)));
        Receive<Push>(p => Reject(p, $"shard {_shardId} is loading a checkpoint; push {p.Seq} of worker {p.WorkerId} was computed before it and is not applied"));
        Receive<GetStats>(_ => Sender.Tell(Stats()));
    }

    /// <summary>
    /// True (and handled) when <paramref name="requestId"/> names a load already asked for: the newest is answered
    /// again (or answered when its read ends), an older one is dropped. 0 names no request: every such load is new.
    /// </summary>
    private bool IsRepeatedLoad(long requestId)
    {
        if (requestId == 0)
        {
            return false;
        }

        if (requestId == _loadRequest)
        {
            if (_loadAnswer is { } answer)
            {
                Sender.Tell(answer);
            }
            else
            {
                _loadReplyTo = Sender; // the copy's sender is the one still listening (a new bulk session)
            }

            return true;
        }

        if (!_seenLoads.Add(requestId))
        {
            _log.Warning("shard {0}: ignored a repeated load request {1}; a newer one ({2}) replaced it", _shardId, requestId, _loadRequest);
            return true;
        }

        return false;
    }

    /// <summary>A new load replaces whatever was loading; nothing is served until it ends.</summary>
    private void BeginLoad(long requestId)
    {
        _loadAttempt++;
        _restoring = null;
        (_loadRequest, _loadReplyTo, _loadAnswer) = (requestId, Sender, null);
    }

    /// <summary>The newest load ended: serve its values (or nothing, if it failed) and answer.</summary>
    private void Loaded(IWireMessage answer)
    {
        _loadAnswer = answer;
        if (answer is ShardReady)
        {
            _generation = _loadRequest;
            Become(Serving);
        }
        else
        {
            // The values held before belong to a load the coordinator has given up on.
            _optimizer = null;
            Become(Initializing);
        }

        _loadReplyTo.Tell(answer);
    }
}
