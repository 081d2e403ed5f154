// The cluster coordinator's own journal (persistence id dtrain/cluster): which job runs, so a new singleton on
// another node knows to resume it.
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Dtrain.Protocol.Persistence;
using static Dtrain.Protocol.Persistence.JobEvents;

namespace Dtrain.Coordinator;

/// <summary>Appends <see cref="ClusterJobStarted"/> and <see cref="ClusterJobEnded"/>; answers what it recovered.</summary>
internal sealed class ClusterJournal : ReceivePersistentActor
{
    private readonly IActorRef _owner;
    private ClusterJobStarted? _running;
    private int _jobCount;

    public ClusterJournal(IActorRef owner)
    {
        _owner = owner;
        Recover<ClusterJobStarted>(Apply);
        Recover<ClusterJobEnded>(Apply);
        Recover<UnsealedEvent>(u => Apply(u.Event));

        // A damaged record of a cluster job can only be skipped: the job's own journal still says what it was.
        Recover<DamagedEvent>(d => Context.GetLogger().Warning("event {0} ({1}) of the cluster journal is corrupt ({2}): it is ignored", LastSequenceNr, d.EventType, d.Reason));
        Command<JobJournal.Record>(r => Persist(r.Event, e => Apply(e)));
        Command<GetState>(_ => Sender.Tell(new State(_jobCount, _running)));
    }

    public override string PersistenceId => "dtrain/cluster";

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr) =>
        _owner.Tell(new JobJournal.JournalFailed($"writing {@event.GetType().Name} to the cluster journal failed: {cause.GetBaseException().Message}"));

    protected override void OnRecoveryFailure(Exception reason, object? message = null) =>
        _owner.Tell(new JobJournal.JournalFailed($"reading the cluster journal failed: {reason.GetBaseException().Message}"));

    private void Apply(object e)
    {
        switch (e)
        {
            case ClusterJobStarted started:
                _running = started;
                _jobCount = Math.Max(_jobCount, started.JobCount);
                break;
            case ClusterJobEnded ended when _running?.JobId == ended.JobId:
                _running = null;
                break;
        }
    }

    /// <summary>Asks for <see cref="State"/>.</summary>
    public sealed record GetState : INoSerializationVerificationNeeded
    {
        public static readonly GetState Instance = new();
    }

    /// <summary>Jobs accepted so far and the one that has not ended (null when none).</summary>
    public sealed record State(int JobCount, ClusterJobStarted? Running) : INoSerializationVerificationNeeded;
}
