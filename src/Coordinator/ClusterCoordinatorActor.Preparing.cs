// Preparing a submitted job off the singleton's thread: reading the job's data to learn its schema and count its rows
// can take minutes on a large set, while the singleton must go on answering registrations, status and resends.
using Akka.Actor;
using Dtrain.Models;
using static Dtrain.Protocol.ClusterProtocol;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Coordinator;

internal sealed partial class ClusterCoordinatorActor
{
    /// <summary>Reads the job's data on a pool thread; the client hears that it is under way, then the job's fate.</summary>
    private void Prepare(SubmitJob submit)
    {
        // The previous job's evaluation files close here, long after its job actor stopped reading them.
        (_previousData?.TestSet as IDisposable)?.Dispose();
        (_previousData?.ValidationSet as IDisposable)?.Dispose();
        _previousData = null;
        submit.Listener.Tell(new JobNotice("the coordinator is reading the job's data (its schema and rows) before the job starts", Warning: false));
        var prepare = _prepareJob;
        Task.Run(() => prepare(submit, null)).ContinueWith(
            t => new JobPrepared(submit, t.IsCompletedSuccessfully ? t.Result : null, t.Exception?.GetBaseException()),
            TaskScheduler.Default).PipeTo(Self);
    }

    private void OnPrepared(JobPrepared prepared)
    {
        var free = _slot.Prepared();
        var submit = prepared.Submit;
        if (prepared.Data is not { } data)
        {
            // A user's mistake is its own line; anything else is a bug in preparing, named by its type.
            var error = prepared.Error!;
            submit.Listener.Tell(new JobFailed(error is DtrainException ? error.Message : $"preparing the job failed: {error.GetType().Name}: {error.Message.Split('\n')[0]}"));
            return;
        }

        if (!free)
        {
            // A job the journal resumed while this one was being read: it keeps the cluster.
            (data.TestSet as IDisposable)?.Dispose();
            (data.ValidationSet as IDisposable)?.Dispose();
            submit.Listener.Tell(new JobFailed($"the cluster is busy with job {_slot.Job!.JobId}; one job runs at a time"));
            return;
        }

        Accept(submit, data);
    }

    /// <summary>A submission's preparation finished: its job with data, or why it cannot run.</summary>
    private sealed record JobPrepared(SubmitJob Submit, ClusterCoordinator.PreparedJob? Data, Exception? Error) : INoSerializationVerificationNeeded;
}
