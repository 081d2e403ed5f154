// The job's journal: opened when the job starts (a resumed job carries on after its last event), reopened after a
// failed write, and the last word when the job ends.
using Akka.Actor;
using Dtrain.Protocol.Persistence;
using static Dtrain.Protocol.Persistence.JobEvents;

namespace Dtrain.Coordinator;

internal sealed partial class CoordinatorActor
{
    /// <summary>Opens the job's journal and records the submission; a resumed job carries on after its last event.</summary>
    private void StartJournal()
    {
        if (!_checkpoints.Enabled)
        {
            return;
        }

        _journal = Context.ActorOf(JobJournal.Props(_job.JobId, Self), $"journal-{Guid.NewGuid():N}");
        // A resumed job records its submission again: flags given to resume (e.g. more epochs) hold for a later resume too.
        Record(new JobSubmitted(_job.JobId, _job.ModelFile, _job.ModelJson, _job.TrainArgs ?? [], _job.Schema?.ToJson()));
    }

    private void Record(IJobEvent e) => _journal?.Tell(new JobJournal.Record(e));

    private void OnJournalFailed(JobJournal.JournalFailed failed)
    {
        // The journal stops after a failed write; checkpoints waiting for it do not count, and it is reopened later.
        foreach (var id in _checkpoints.AwaitingJournal())
        {
            CheckpointFailed(id, $"the job journal could not record it: {failed.Reason}");
        }

        if (_journal is not null)
        {
            _journal = null;
            Timers.StartSingleTimer("journal-reopen", ReopenJournal.Instance, RetryDelay);
        }
    }

    private void StartJournalAgain()
    {
        if (_journal is not null || !_checkpoints.Enabled)
        {
            return;
        }

        _journal = Context.ActorOf(JobJournal.Props(_job.JobId, Self), $"journal-{Guid.NewGuid():N}");
    }

    /// <summary>
    /// Journals how the job ended, then tells the listener (which may stop the process): a resumed job must not find
    /// a finished job still marked running. A journal that does not confirm within 10 s does not hold the job up.
    /// </summary>
    private void EndWith(JobEnded ended, object report)
    {
        if (_journal is not { } journal)
        {
            _listener.Tell(report);
            Become(() => ReceiveAny(_ => { }));
            return;
        }

        journal.Tell(new JobJournal.Record(ended));
        Timers.StartSingleTimer("end-journaled", new EndJournaled(ended), TimeSpan.FromSeconds(10));
        Become(() =>
        {
            Receive<JobJournal.Recorded>(r => r.Event is JobEnded, _ => Ended());
            Receive<JobJournal.JournalFailed>(_ => Ended());
            Receive<EndJournaled>(_ => Ended());
            ReceiveAny(_ => { });
        });

        void Ended()
        {
            _listener.Tell(report);
            Become(() => ReceiveAny(_ => { }));
        }
    }

    private sealed record EndJournaled(JobEnded Ended);

    private sealed class ReopenJournal
    {
        public static readonly ReopenJournal Instance = new();
    }
}
