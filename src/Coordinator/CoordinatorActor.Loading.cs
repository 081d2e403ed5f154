// Loading the shards before training: initial values for a new job; for a resumed one the newest checkpoint every
// shard can load, falling back to older ones. Which checkpoint, and which answers count, is RestorePlan's.
using Akka.Actor;
using Akka.Event;
using Dtrain.Protocol;
using Dtrain.Protocol.Persistence;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.ParameterShardProtocol;
using static Dtrain.Protocol.Persistence.JobEvents;

namespace Dtrain.Coordinator;

internal sealed partial class CoordinatorActor
{
    /// <summary>A cosine schedule over "the whole run" learns its length here, where the data set size is known.</summary>
    private OptimizerSpec Optimizer() => OptimizerSpec.From(_job.Settings.WithScheduleResolved(_trainingSet.Count).Optimizer);

    /// <summary>
    /// Each parameter group's optimizer (null for a model without groups), its schedule's "whole run" resolved as the
    /// training section's is.
    /// </summary>
    private OptimizerSpec[]? GroupOptimizers()
    {
        var program = _job.Model.Program;
        if (!program.HasGroups)
        {
            return null;
        }

        return program.Groups
            .Select((g, i) => OptimizerSpec.From((_job.Settings with { Optimizer = program.OptimizerOf(i, _job.Settings.Optimizer) }).WithScheduleResolved(_trainingSet.Count).Optimizer) with { Frozen = g.Frozen })
            .ToArray();
    }

    /// <summary>Starts loading the shards: from the newest checkpoint of a resumed job, or with initial values.</summary>
    private void LoadShards()
    {
        if (_restore.Begin(NewRequestId()) is { } checkpoint)
        {
            RestoreShards(checkpoint);
            return;
        }

        // init_from was checked when the job was prepared; the file can still change or vanish before this reads it.
        float[] initial;
        try
        {
            initial = PretrainedParameters.Initial(_job.Model, _job.Settings.Seed);
        }
        catch (Models.DtrainException e)
        {
            Fail(e.Message);
            return;
        }

        var optimizer = Optimizer();
        var groups = GroupOptimizers();
        for (var s = 0; s < _shards.Count; s++)
        {
            var values = FloatBuffer.Rent(ChunkPlacement.Floats(_placement[s]));
            ChunkPlacement.Gather(initial, _placement[s], values.Span);
            _shards[s].Tell(new InitShard(s, _placement[s], values, optimizer, SyncQuorum(), _restore.RequestId, groups));
        }

        if (_resume is { } resume)
        {
            Notice($"no complete checkpoint to resume from: the job starts again from the beginning ({resume.LostSteps:N0} steps are trained again)", warning: true);
            Record(new JobResumed(-1, resume.LostSteps, resume.Reason));
        }
    }

    /// <summary>Asks every shard to load checkpoint <paramref name="record"/>.</summary>
    private void RestoreShards(CheckpointRecord record)
    {
        var optimizer = Optimizer();
        var groups = GroupOptimizers();
        for (var s = 0; s < _shards.Count; s++)
        {
            _shards[s].Tell(new RestoreShard(s, _placement[s], optimizer, SyncQuorum(), record.Id, ShardSnapshot.PersistenceId(_job.JobId, s), _restore.RequestId, groups));
        }
    }

    /// <summary>Random: a new coordinator's load request ids never repeat an old one's.</summary>
    private static long NewRequestId() => Random.Shared.NextInt64(1, long.MaxValue);

    private bool IsStale(long requestId, int shardId)
    {
        if (!_restore.IsStale(requestId))
        {
            return false;
        }

        _log.Info("shard {0}: ignored an answer to an earlier load request", shardId);
        return true;
    }

    /// <summary>A shard cannot load the checkpoint: warn, naming it, and fall back to the one before it.</summary>
    private void OnRestoreRejected(InitShardRejected rejected)
    {
        var fallback = _restore.FallBack(NewRequestId());
        var record = fallback.Failed;
        if (fallback.Previous is { } previous)
        {
            Notice($"checkpoint {record.Id} cannot be used: {rejected.Reason}; recovering from the previous complete checkpoint {previous.Id} (epoch {previous.Epoch}, step {previous.Steps:N0}) instead", warning: true);
            _checkpoints.Unusable(record.Id);
            RestoreShards(previous);
            return;
        }

        Fail($"no checkpoint of job {_job.JobId} can be restored; the oldest kept, {record.Id}, fails too: {rejected.Reason}");
    }

    /// <summary>After a restore: the job's counters come from the checkpoint (null for a fresh start).</summary>
    private CheckpointRecord? TakeRestoredState()
    {
        if (_resume is not { } resume || _restore.TakeRestored() is not { } restored)
        {
            return null;
        }

        var (from, lost) = restored;

        _resumedFrom = from.Id;
        _tally.Restore(from);
        var partitions = (_trainingSet.Count + _job.Settings.PartitionSize - 1) / _job.Settings.PartitionSize;
        Notice(from.Epoch > _job.Settings.Epochs
            ? $"resumed from checkpoint {from.Id}, taken after the last epoch: nothing is left to train"
            : $"resumed from checkpoint {from.Id} ({resume.Reason}): epoch {from.Epoch}, {from.DonePartitions.Length} of {partitions} partitions done, step {from.Steps:N0}; {lost:N0} step(s) trained after it are trained again");
        Record(new JobResumed(from.Id, lost, resume.Reason));
        return from;
    }
}
