// Checkpoints: the shard copies its state into a snapshot (the only pause in serving), seals and writes it off its
// thread through Akka.Persistence's snapshot store; CheckpointWrites keeps who waits for each write.
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Dtrain.Models;
using Dtrain.Protocol.Persistence;
using Dtrain.Protocol.Telemetry;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer;

internal sealed partial class ParameterShardActor
{
    // Resolved on first use (Akka.Persistence's snapshot store); null when this node has none configured.
    private IActorRef? _snapshotStore;

    /// <summary>Handlers every behaviour shares: a shard can be restored before or after it was initialized.</summary>
    private void Checkpoints()
    {
        Receive<TakeCheckpoint>(OnTakeCheckpoint);
        Receive<SaveSnapshotSuccess>(OnSaved);
        Receive<SaveSnapshotFailure>(f => SaveFailed(f.Metadata.SequenceNr, f.Cause.GetBaseException().Message));
        Receive<RestoreShard>(OnRestore);
        Receive<SnapshotRead>(OnRead);
    }

    private void OnTakeCheckpoint(TakeCheckpoint take)
    {
        if (!_store.Loaded)
        {
            Sender.Tell(new ShardCheckpointFailed(_store.ShardId, take.CheckpointId, "the shard has not been initialized"));
            return;
        }

        if (SnapshotStore() is not { } store)
        {
            Sender.Tell(new ShardCheckpointFailed(_store.ShardId, take.CheckpointId, "this node has no checkpoint storage configured (akka.persistence.snapshot-store)"));
            return;
        }

        byte[] bytes;
        try
        {
            bytes = _writes.Copy(_store, take.CheckpointId, Sender);
        }
        catch (DtrainException e)
        {
            Sender.Tell(new ShardCheckpointFailed(_store.ShardId, take.CheckpointId, e.Message));
            return;
        }

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
        if (_writes.Written(saved.Metadata.SequenceNr, _store.ShardId) is (var replyTo, var reply))
        {
            ShardTelemetry.CheckpointWritten(reply.CopySeconds + reply.WriteSeconds);
            replyTo.Tell(reply);
        }
    }

    private void SaveFailed(long checkpoint, string reason)
    {
        _log.Info("shard {0}: checkpoint {1} was not written: {2}", _store.ShardId, checkpoint, reason); // the coordinator tells the user
        if (_writes.Failed(checkpoint, _store.ShardId, reason) is (var replyTo, var reply))
        {
            replyTo.Tell(reply);
        }
    }

    /// <summary>
    /// Starts the snapshot store and has it write and delete a one-byte snapshot as the shard starts. The first use
    /// loads and JIT-compiles the SQL plugin, opens the database and builds its queries (seconds on a busy machine);
    /// left to the first checkpoint, that would make it the slowest one, widening the window in which a fault sends
    /// the job back to its start.
    /// </summary>
    private void WarmSnapshotStore()
    {
        if (!Storage.IsConfigured(Context.System) || SnapshotStore() is not { } store)
        {
            return;
        }

        var warm = new SnapshotMetadata($"dtrain/warm-up/{Guid.NewGuid():N}", 1, DateTime.UtcNow);
        store.Ask<object>(new SaveSnapshot(warm, new byte[] { 0 }), LoadTimeout)
            .ContinueWith(_ => store.Tell(new DeleteSnapshot(new SnapshotMetadata(warm.PersistenceId, warm.SequenceNr, DateTime.MinValue))), TaskScheduler.Default);
    }

    private IActorRef? SnapshotStore()
    {
        try
        {
            return _snapshotStore ??= Akka.Persistence.Persistence.Instance.Apply(Context.System).SnapshotStoreFor(null);
        }
        catch (Exception e) when (e is ArgumentException or Akka.Configuration.ConfigurationException or NullReferenceException)
        {
            _log.Error("shard {0}: no snapshot store: {1}", _store.ShardId, e.Message);
            return null;
        }
    }
}
