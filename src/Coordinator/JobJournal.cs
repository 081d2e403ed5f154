// The job's event-sourced record: a persistent actor that appends the coordinator's events and, recovered by a new
// coordinator, tells it what was submitted and which checkpoints completed.
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Dtrain.Protocol.Persistence;
using static Dtrain.Protocol.Persistence.JobEvents;

namespace Dtrain.Coordinator;

/// <summary>The messages of a job's journal actor and the state it recovers.</summary>
public static class JobJournal
{
    /// <summary>Props for the journal of <paramref name="jobId"/>; failures to write go to <paramref name="owner"/> as <see cref="JournalFailed"/>.</summary>
    public static Props Props(string jobId, IActorRef? owner = null) => Akka.Actor.Props.Create(() => new JobJournalActor(jobId, owner));

    /// <summary>The journal's persistence id.</summary>
    public static string PersistenceId(string jobId) => $"dtrain/{jobId}/job";

    /// <summary>
    /// Recovers the journal of <paramref name="jobId"/> and returns what it holds (null when nothing was ever
    /// written). Throws <see cref="Models.DtrainException"/> when the database cannot be read.
    /// </summary>
    public static async Task<JobRecord?> ReadAsync(ActorSystem system, string jobId, TimeSpan timeout)
    {
        var reader = system.ActorOf(Props(jobId), $"read-journal-{Guid.NewGuid():N}");
        try
        {
            var answer = await reader.Ask<object>(GetRecord.Instance, timeout);
            return answer switch
            {
                JobRecord { Refusal: { } refusal } => throw new CorruptJournalException(refusal),
                JobRecord record => record.Submitted is null ? null : record,
                JournalFailed failed => throw new Models.DtrainException($"cannot read the journal of job {jobId}: {failed.Reason}"),
                _ => null,
            };
        }
        catch (AskTimeoutException)
        {
            throw new Models.DtrainException($"cannot read the journal of job {jobId}: no answer from the database within {timeout.TotalSeconds:F0} s");
        }
        finally
        {
            await reader.GracefulStop(timeout);
        }
    }

    /// <summary>Append this event (a <see cref="CheckpointCompleted"/> or <see cref="JobEnded"/> is confirmed with <see cref="Recorded"/>).</summary>
    public sealed record Record(IJobEvent Event) : INoSerializationVerificationNeeded;

    /// <summary>The event is in the database.</summary>
    public sealed record Recorded(IJobEvent Event) : INoSerializationVerificationNeeded;

    /// <summary>The journal could not read or write the database; it stops after saying so.</summary>
    public sealed record JournalFailed(string Reason) : INoSerializationVerificationNeeded;

    /// <summary>Asks for the recovered <see cref="JobRecord"/>.</summary>
    public sealed record GetRecord : INoSerializationVerificationNeeded
    {
        /// <summary>The only instance.</summary>
        public static readonly GetRecord Instance = new();
    }

    /// <summary>
    /// What the journal holds: the submission, the complete checkpoints still kept (oldest first), the steps trained
    /// since the newest of them, and how the job ended (null while it runs). <see cref="Warnings"/> name events that
    /// were damaged but had a safe fallback (or could not be verified); <see cref="Refusal"/> says why the job cannot go
    /// on from this journal at all (its submission is damaged), null when it can.
    /// </summary>
    public sealed record JobRecord(JobSubmitted? Submitted, IReadOnlyList<CheckpointRecord> Checkpoints, long StepsSinceCheckpoint, JobEnded? Ended, IReadOnlyList<string> Warnings, string? Refusal) : INoSerializationVerificationNeeded
    {
        /// <summary>The best checkpoint on validation (the newest marked best; the keep-k rule never drops it); null when none is.</summary>
        public CheckpointRecord? Best => Checkpoints.LastOrDefault(c => c.Best);
    }
}

/// <summary>The persistent actor behind <see cref="JobJournal"/>.</summary>
internal sealed class JobJournalActor : ReceivePersistentActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _jobId;
    private readonly IActorRef? _owner;
    private readonly List<CheckpointRecord> _checkpoints = [];
    private JobSubmitted? _submitted;
    private readonly List<string> _warnings = [];
    private JobEnded? _ended;
    private long _stepsSinceCheckpoint;
    private long _unsealed;
    private string? _refusal;

    public JobJournalActor(string jobId, IActorRef? owner)
    {
        _jobId = jobId;
        _owner = owner;
        Recover<IJobEvent>(Apply);
        Recover<UnsealedEvent>(u =>
        {
            _unsealed++;
            Apply(u.Event);
        });
        Recover<DamagedEvent>(OnDamaged);
        Recover<RecoveryCompleted>(_ =>
        {
            if (_unsealed > 0)
            {
                _warnings.Add($"job {_jobId}: {_unsealed} journal event(s) were written before events were sealed and are read unverified");
            }
        });
        Command<JobJournal.Record>(r => Persist(r.Event, e =>
        {
            Apply(e);
            if (e is CheckpointCompleted or JobEnded)
            {
                Sender.Tell(new JobJournal.Recorded(e));
            }
        }));
        Command<JobJournal.GetRecord>(_ => Sender.Tell(new JobJournal.JobRecord(_submitted, _checkpoints.ToArray(), _stepsSinceCheckpoint, _ended, _warnings.ToArray(), _refusal)));
    }

    public override string PersistenceId => JobJournal.PersistenceId(_jobId);

    // Both failures stop the actor (Akka.Persistence does that after these calls); the base versions only log the
    // exception with its stack, which the owner's one-line notice replaces.
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr) =>
        Tell($"writing {@event.GetType().Name} to the job journal failed: {cause.GetBaseException().Message}");

    protected override void OnRecoveryFailure(Exception reason, object? message = null) =>
        Tell($"reading the job journal failed: {reason.GetBaseException().Message}");

    private void Tell(string reason)
    {
        _log.Info("job {0}: {1}", _jobId, reason);
        (_owner ?? Sender).Tell(new JobJournal.JournalFailed(reason));
    }

    /// <summary>
    /// A stored event whose seal or payload is wrong. Without the submission there is no job to resume; a lost
    /// checkpoint record only means going on from the one before it; the others change counts, not what is trained.
    /// </summary>
    private void OnDamaged(DamagedEvent damaged)
    {
        var what = $"event {LastSequenceNr} ({damaged.EventType}) of job {_jobId}'s journal is corrupt ({damaged.Reason})";
        switch (damaged.EventType)
        {
            case nameof(JobSubmitted):
                _refusal ??= $"{what}: the job's model and flags cannot be trusted, so it is not resumed";
                break;
            case nameof(CheckpointCompleted):
                _warnings.Add(_checkpoints.Count > 0
                    ? $"{what}: that checkpoint is passed over (the complete one before it is {_checkpoints[^1].Id})"
                    : $"{what}: that checkpoint is passed over; no complete checkpoint comes before it");
                break;
            default:
                _warnings.Add($"{what}: it is ignored");
                break;
        }
    }

    private void Apply(IJobEvent e)
    {
        switch (e)
        {
            case JobSubmitted s:
                _submitted = s;
                break;
            case PartitionTrained p:
                _stepsSinceCheckpoint += p.Steps;
                break;
            case CheckpointCompleted c:
                _checkpoints.Add(c.Checkpoint);
                _stepsSinceCheckpoint = 0;
                break;
            case CheckpointsDropped d:
                _checkpoints.RemoveAll(c => d.Ids.Contains(c.Id));
                break;
            case JobResumed:
                _stepsSinceCheckpoint = 0;
                break;
            case JobEnded ended:
                _ended = ended;
                break;
        }
    }
}

/// <summary>A journal the job cannot go on from: an event nothing else replaces (its submission) is damaged.</summary>
public sealed class CorruptJournalException(string message) : Models.DtrainException(message);
