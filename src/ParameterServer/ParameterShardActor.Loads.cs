// Loads: InitShard fills the store at once; RestoreShard reads a snapshot off the shard's thread while the shard
// serves nothing (Loading). LoadOrder decides which request counts; the store takes the values.
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Dtrain.Models;
using Dtrain.Protocol;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer;

internal sealed partial class ParameterShardActor
{
    /// <summary>How long a snapshot read may take before the restore counts as failed.</summary>
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromMinutes(2);

    private void Init(InitShard init)
    {
        try
        {
            if (!IsNewLoad(init.RequestId))
            {
                return;
            }

            _store.Load(init.ShardId, init.Chunks, init.Optimizer, init.Values.Span, init.RequestId, init.Groups);
            StartRounds(init.SyncQuorum);
            Loaded(new ShardReady(_store.ShardId, _store.Floats, init.RequestId));
        }
        catch (Exception e) when (e is ArgumentException or DtrainException)
        {
            _log.Error("shard {0}: {1}", init.ShardId, e.Message);
            // Not Status.Failure: an exception does not survive serialization, so the coordinator would wait forever.
            Loaded(new InitShardRejected(init.ShardId, e.Message, init.RequestId));
        }
        finally
        {
            init.Values.Release();
        }
    }

    private void OnRestore(RestoreShard restore)
    {
        if (!IsNewLoad(restore.RequestId))
        {
            return;
        }

        if (SnapshotStore() is not { } store)
        {
            Loaded(new InitShardRejected(restore.ShardId, "this node has no checkpoint storage configured (akka.persistence.snapshot-store)", restore.RequestId));
            return;
        }

        var attempt = _loads.Attempt;
        _loads.Reading(restore);
        Become(Loading);
        var c = restore.CheckpointId;
        store.Ask<object>(new LoadSnapshot(restore.PersistenceId, new SnapshotSelectionCriteria(c, DateTime.MaxValue, c, DateTime.MinValue), c), LoadTimeout)
            .ContinueWith(t => new SnapshotRead(attempt, t.IsCompletedSuccessfully ? t.Result : null, t.Exception?.GetBaseException().Message ?? "no answer"), TaskScheduler.Default)
            .PipeTo(Self);
    }

    private void OnRead(SnapshotRead read)
    {
        if (_loads.ReadEnded(read.Attempt) is not { } restore)
        {
            return; // the read of a restore a newer load replaced: its values must not land
        }

        switch (read.Result)
        {
            case LoadSnapshotFailed failed:
                RestoreFailed(restore, $"reading it failed: {failed.Cause.GetBaseException().Message}");
                return;
            case not LoadSnapshotResult:
                RestoreFailed(restore, $"reading it failed: {read.Error}");
                return;
        }

        var loaded = (LoadSnapshotResult)read.Result;
        if (loaded.Snapshot is not { } offer || offer.Metadata.SequenceNr != restore.CheckpointId || offer.Snapshot is not byte[] bytes)
        {
            RestoreFailed(restore, "it is missing from the database");
            return;
        }

        try
        {
            _store.Restore(restore.ShardId, restore.Chunks, restore.Optimizer, bytes, Describe(restore), restore.RequestId, restore.Groups);
            StartRounds(restore.SyncQuorum);
            _log.Info("shard {0}: restored {1} (version {2})", _store.ShardId, Describe(restore), _store.Version);
            Loaded(new ShardReady(_store.ShardId, _store.Floats, restore.RequestId));
        }
        catch (DtrainException e)
        {
            RestoreFailed(restore, e.Message, prefixed: true);
        }
    }

    private void RestoreFailed(RestoreShard restore, string reason, bool prefixed = false)
    {
        var message = prefixed ? reason : $"{Describe(restore)} cannot be restored: {reason}";
        _log.Info("shard {0}: {1}", restore.ShardId, message); // the coordinator tells the user, naming it
        Loaded(new InitShardRejected(restore.ShardId, message, restore.RequestId));
    }

    /// <summary>
    /// True when <paramref name="requestId"/> starts a new load, which replaces whatever was loading; otherwise the
    /// copy is handled here: the newest load is answered again (or answered when its read ends), an older one dropped.
    /// </summary>
    private bool IsNewLoad(long requestId)
    {
        switch (_loads.Begin(requestId, Sender))
        {
            case LoadStart.Repeated { Answer: { } answer }:
                Sender.Tell(answer);
                return false;
            case LoadStart.Replaced replaced:
                _log.Warning("shard {0}: ignored a repeated load request {1}; a newer one ({2}) replaced it", _store.ShardId, requestId, replaced.Newest);
                return false;
            case LoadStart.New:
                return true;
            default:
                return false; // the newest load, still reading: its answer goes to this copy's sender
        }
    }

    /// <summary>The newest load ended: serve its values (or nothing, if it failed) and answer.</summary>
    private void Loaded(IWireMessage answer)
    {
        var replyTo = _loads.Ended(answer);
        if (answer is ShardReady)
        {
            Become(Serving);
        }
        else
        {
            _store.Unload(); // the values held belong to a load the coordinator has given up on
            Become(Initializing);
        }

        replyTo.Tell(answer);
    }

    private static string Describe(RestoreShard r) => $"checkpoint {r.CheckpointId} of shard {r.ShardId} ({r.PersistenceId})";

    /// <summary>The snapshot store's answer to the read of load <paramref name="Attempt"/> (null with the error when none came).</summary>
    private sealed record SnapshotRead(long Attempt, object? Result, string Error) : INoSerializationVerificationNeeded;
}
