// Checkpoints: the shard copies its state into a snapshot (the only pause in serving), seals and writes it off its
// thread through Akka.Persistence's snapshot store, and restores from one when the coordinator says so.
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Dtrain.Models;
using Dtrain.Protocol;
using Dtrain.Protocol.Persistence;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer;

internal sealed partial class ParameterShardActor
{
    private readonly Dictionary<long, PendingSave> _saving = [];
    private (RestoreShard Request, IActorRef ReplyTo)? _restoring;
    private IActorRef? _snapshotStore;

    // The buffer of the last checkpoint once it is written, reused by the next: a shard holds one snapshot's worth of
    // memory between checkpoints, and a checkpoint is then a plain copy into mapped memory.
    private byte[]? _spare;

    /// <summary>Handlers both behaviours share: a shard can be restored before or after it was initialized.</summary>
    private void Checkpoints()
    {
        Receive<TakeCheckpoint>(OnTakeCheckpoint);
        Receive<SaveSnapshotSuccess>(OnSaved);
        Receive<SaveSnapshotFailure>(f => SaveFailed(f.Metadata.SequenceNr, f.Cause.GetBaseException().Message));
        Receive<RestoreShard>(OnRestore);
        Receive<LoadSnapshotResult>(OnLoaded);
        Receive<LoadSnapshotFailed>(f => RestoreFailed($"reading it failed: {f.Cause.GetBaseException().Message}"));
    }

    private void OnTakeCheckpoint(TakeCheckpoint take)
    {
        if (_optimizer is null)
        {
            Sender.Tell(new ShardCheckpointFailed(_shardId, take.CheckpointId, "the shard has not been initialized"));
            return;
        }

        if (SnapshotStore() is not { } store)
        {
            Sender.Tell(new ShardCheckpointFailed(_shardId, take.CheckpointId, "this node has no checkpoint storage configured (akka.persistence.snapshot-store)"));
            return;
        }

        var started = Stopwatch.GetTimestamp();
        byte[] bytes;
        try
        {
            bytes = ShardSnapshot.Copy(_shardId, take.CheckpointId, _version, _optimizer.Name, _values, _state0, _state1, _spare);
            _spare = null;
        }
        catch (DtrainException e)
        {
            Sender.Tell(new ShardCheckpointFailed(_shardId, take.CheckpointId, e.Message));
            return;
        }

        var copied = Stopwatch.GetTimestamp();
        _saving[take.CheckpointId] = new PendingSave(Sender, copied, Stopwatch.GetElapsedTime(started, copied).TotalSeconds, bytes.Length, _version, bytes);
        var metadata = new SnapshotMetadata(take.PersistenceId, take.CheckpointId, DateTime.UtcNow);
        var self = Self;

        // The checksum reads every byte once: off the shard's thread, so pulls and pushes go on meanwhile.
        _ = Task.Run(() =>
        {
            ShardSnapshot.Seal(bytes);
            store.Tell(new SaveSnapshot(metadata, bytes), self);
        });
    }

    private void OnSaved(SaveSnapshotSuccess saved)
    {
        if (_saving.Remove(saved.Metadata.SequenceNr, out var pending))
        {
            _spare = pending.Buffer; // written: the store holds no reference to it any more
            var write = Stopwatch.GetElapsedTime(pending.Copied).TotalSeconds;
            Dtrain.Protocol.Telemetry.ShardTelemetry.CheckpointWritten(pending.CopySeconds + write);
            pending.ReplyTo.Tell(new ShardCheckpointed(_shardId, saved.Metadata.SequenceNr, pending.Version, pending.Bytes, pending.CopySeconds, write));
        }
    }

    private void SaveFailed(long checkpoint, string reason)
    {
        _log.Info("shard {0}: checkpoint {1} was not written: {2}", _shardId, checkpoint, reason); // the coordinator tells the user
        if (_saving.Remove(checkpoint, out var pending))
        {
            pending.ReplyTo.Tell(new ShardCheckpointFailed(_shardId, checkpoint, reason));
        }
    }

    private void OnRestore(RestoreShard restore)
    {
        if (SnapshotStore() is not { } store)
        {
            Sender.Tell(new InitShardRejected(restore.ShardId, "this node has no checkpoint storage configured (akka.persistence.snapshot-store)"));
            return;
        }

        _restoring = (restore, Sender);
        var c = restore.CheckpointId;
        store.Tell(new LoadSnapshot(restore.PersistenceId, new SnapshotSelectionCriteria(c, DateTime.MaxValue, c, DateTime.MinValue), c), Self);
    }

    private void OnLoaded(LoadSnapshotResult loaded)
    {
        if (_restoring is not var (restore, replyTo))
        {
            return;
        }

        if (loaded.Snapshot is not { } offer || offer.Metadata.SequenceNr != restore.CheckpointId || offer.Snapshot is not byte[] bytes)
        {
            RestoreFailed("it is missing from the database");
            return;
        }

        try
        {
            var snapshot = ShardSnapshot.Read(bytes, Describe(restore));
            var floats = ChunkPlacement.Floats(restore.Chunks);
            var optimizer = Start(restore.ShardId, restore.Chunks, restore.Optimizer, restore.SyncQuorum);
            if (snapshot.Values.Length != floats || snapshot.Optimizer != optimizer.Name || (snapshot.State0.Length > 0 ? 1 : 0) + (snapshot.State1.Length > 0 ? 1 : 0) != optimizer.StateSlots)
            {
                throw new CorruptCheckpointException($"{Describe(restore)} holds {snapshot.Values.Length:N0} floats of optimizer {snapshot.Optimizer}, but the job places {floats:N0} floats with optimizer {optimizer.Name} on this shard");
            }

            (_values, _state0, _state1, _version) = (snapshot.Values, snapshot.State0, snapshot.State1, snapshot.Version);
            _restoring = null;
            Become(Serving);
            _log.Info("shard {0}: restored {1} (version {2})", _shardId, Describe(restore), _version);
            replyTo.Tell(new ShardReady(_shardId, floats));
        }
        catch (DtrainException e)
        {
            RestoreFailed(e.Message, prefixed: true);
        }
    }

    private void RestoreFailed(string reason, bool prefixed = false)
    {
        if (_restoring is not var (restore, replyTo))
        {
            return;
        }

        _restoring = null;
        var message = prefixed ? reason : $"{Describe(restore)} cannot be restored: {reason}";
        _log.Info("shard {0}: {1}", restore.ShardId, message); // the coordinator tells the user, naming it
        replyTo.Tell(new InitShardRejected(restore.ShardId, message));
    }

    private IActorRef? SnapshotStore()
    {
        try
        {
            return _snapshotStore ??= Akka.Persistence.Persistence.Instance.Apply(Context.System).SnapshotStoreFor(null);
        }
        catch (Exception e) when (e is ArgumentException or Akka.Configuration.ConfigurationException or NullReferenceException)
        {
            _log.Error("shard {0}: no snapshot store: {1}", _shardId, e.Message);
            return null;
        }
    }

    private static string Describe(RestoreShard r) => $"checkpoint {r.CheckpointId} of shard {r.ShardId} ({r.PersistenceId})";

    private readonly record struct PendingSave(IActorRef ReplyTo, long Copied, double CopySeconds, long Bytes, long Version, byte[] Buffer);
}
