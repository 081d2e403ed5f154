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
    private RestoreShard? _restoring;
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
        Receive<SnapshotRead>(OnRead);
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
        if (IsRepeatedLoad(restore.RequestId))
        {
            return;
        }

        BeginLoad(restore.RequestId);
        if (SnapshotStore() is not { } store)
        {
            Loaded(new InitShardRejected(restore.ShardId, "this node has no checkpoint storage configured (akka.persistence.snapshot-store)", restore.RequestId));
            return;
        }

        var attempt = _loadAttempt;
        _restoring = restore;
        Become(Loading);
        var c = restore.CheckpointId;
        store.Ask<object>(new LoadSnapshot(restore.PersistenceId, new SnapshotSelectionCriteria(c, DateTime.MaxValue, c, DateTime.MinValue), c), LoadTimeout)
            .ContinueWith(t => new SnapshotRead(attempt, t.IsCompletedSuccessfully ? t.Result : null, t.Exception?.GetBaseException().Message ?? "no answer"), TaskScheduler.Default)
            .PipeTo(Self);
    }

    private void OnRead(SnapshotRead read)
    {
        if (read.Attempt != _loadAttempt || _restoring is not { } restore)
        {
            return; // the read of a restore a newer load replaced: its values must not land
        }

        _restoring = null;
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
            var snapshot = ShardSnapshot.Read(bytes, Describe(restore));
            var floats = ChunkPlacement.Floats(restore.Chunks);
            var optimizer = Start(restore.ShardId, restore.Chunks, restore.Optimizer, restore.SyncQuorum);
            if (snapshot.Values.Length != floats || snapshot.Optimizer != optimizer.Name || (snapshot.State0.Length > 0 ? 1 : 0) + (snapshot.State1.Length > 0 ? 1 : 0) != optimizer.StateSlots)
            {
                throw new CorruptCheckpointException($"{Describe(restore)} holds {snapshot.Values.Length:N0} floats of optimizer {snapshot.Optimizer}, but the job places {floats:N0} floats with optimizer {optimizer.Name} on this shard");
            }

            (_values, _state0, _state1, _version) = (snapshot.Values, snapshot.State0, snapshot.State1, snapshot.Version);
            _log.Info("shard {0}: restored {1} (version {2})", _shardId, Describe(restore), _version);
            Loaded(new ShardReady(_shardId, floats, restore.RequestId));
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
            _log.Error("shard {0}: no snapshot store: {1}", _shardId, e.Message);
            return null;
        }
    }

    private static string Describe(RestoreShard r) => $"checkpoint {r.CheckpointId} of shard {r.ShardId} ({r.PersistenceId})";

    /// <summary>The snapshot store's answer to the read of load <paramref name="Attempt"/> (null with the error when none came).</summary>
    private sealed record SnapshotRead(long Attempt, object? Result, string Error) : INoSerializationVerificationNeeded;

    private readonly record struct PendingSave(IActorRef ReplyTo, long Copied, double CopySeconds, long Bytes, long Version, byte[] Buffer);
}
