// The shard actor: behaviours Initializing, Loading and Serving over a ShardStore (and a SyncRound in synchronous
// mode); it wires messages to them and sends what they return.
using Akka.Actor;
using Akka.Event;
using Dtrain.Protocol.Telemetry;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer;

internal sealed partial class ParameterShardActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ShardStore _store = new();
    private readonly LoadOrder<IActorRef> _loads = new();
    private readonly CheckpointWrites<IActorRef> _writes = new();

    // Synchronous mode's open round; null while the shard is asynchronous (every push applied as it comes). Each
    // load starts it afresh (StartRounds).
    private SyncRound<IActorRef>? _round;

    public ParameterShardActor() => Initializing();

    protected override void PreStart()
    {
        ShardTelemetry.Started();
        WarmSnapshotStore();
    }

    protected override void PostStop() => ShardTelemetry.Stopped();

    /// <summary>No values yet (or the last load failed): only loads and checkpoint requests do anything.</summary>
    private void Initializing()
    {
        Receive<InitShard>(Init);
        Checkpoints();
        Receive<Pull>(p => Sender.Tell(new Params(-1, p.RequestId, -1, null)));
        Receive<Push>(p => Reject(p, "the shard has not been initialized with its chunks yet"));
    }

    /// <summary>
    /// A restore is reading its snapshot: nothing is served, so no pull sees and no push lands on values that are
    /// about to be replaced (pushes are refused; the worker that sent one has a new job to join).
    /// </summary>
    private void Loading()
    {
        Receive<InitShard>(Init);
        Receive<TakeCheckpoint>(t => Sender.Tell(new ShardCheckpointFailed(_store.ShardId, t.CheckpointId, "the shard is loading a checkpoint")));
        Checkpoints();
        Receive<Pull>(p => Sender.Tell(new Params(-1, p.RequestId, -1, null)));
        Receive<Push>(p => Reject(p, $"shard {_store.ShardId} is loading a checkpoint; push {p.Seq} of worker {p.WorkerId} was computed before it and is not applied"));
        Receive<GetStats>(_ => Sender.Tell(Stats()));
    }

    /// <summary>Values loaded: pulls are answered and pushes applied, each (worker, seq) at most once.</summary>
    private void Serving()
    {
        Receive<InitShard>(Init);
        Checkpoints();
        Receive<Pull>(OnPull);
        Receive<Push>(OnPush);
        Receive<GetStats>(_ => Sender.Tell(Stats()));
        Receive<SyncMembership>(OnMembership);
        Receive<AdmitWorkers>(a => _store.AdmitWorkers(a.WorkerIds));
    }

    private void OnPull(Pull pull)
    {
        if (_round is { } round && round.Holds(_store, pull, Sender))
        {
            return; // answered when the round applies
        }

        Sender.Tell(_store.Pull(pull));
    }

    private void OnPush(Push push)
    {
        using var span = _store.Telemetry.PushArrived(push.TraceParent, push.Gradient.Length);
        try
        {
            switch (_store.Admit(push))
            {
                case PushVerdict.Refused refused:
                    Refused(refused.Rejection);
                    break;
                case PushVerdict.Duplicate duplicate:
                    Sender.Tell(duplicate.Ack); // a retry of a push already applied (its ack was lost)
                    break;
                case PushVerdict.Fresh when _round is { } round:
                    Send(round.Contribute(_store, push, Sender));
                    break;
                case PushVerdict.Fresh:
                    Sender.Tell(_store.Apply(push));
                    break;
            }
        }
        finally
        {
            push.Gradient.Release();
        }
    }

    /// <summary>Synchronous mode (quorum N &gt; 0) starts with an empty round; 0 is asynchronous.</summary>
    private void StartRounds(int quorum) => _round = quorum > 0 ? new SyncRound<IActorRef>(quorum, _store.Floats) : null;

    private void OnMembership(SyncMembership m)
    {
        if (_round is { } round)
        {
            Send(round.Membership(_store, m.WorkerId, m.Active));
        }
    }

    /// <summary>A round's replies: the acknowledgements first, then the pulls it held back.</summary>
    private void Send(RoundOutcome<IActorRef> outcome)
    {
        foreach (var (to, ack) in outcome.Acks)
        {
            to.Tell(ack, Self);
        }

        foreach (var (to, pulled) in outcome.Pulls)
        {
            to.Tell(pulled, Self);
        }
    }

    private void Reject(Push push, string reason)
    {
        Refused(_store.Reject(push, reason));
        push.Gradient.Release();
    }

    private void Refused(PushRejected rejection)
    {
        _log.Warning("shard {0}: {1}", _store.ShardId, rejection.Reason);
        Sender.Tell(rejection);
    }

    private ShardStats Stats() => _store.Stats(_round?.LateDropped ?? 0, _round?.Rounds ?? 0);
}
