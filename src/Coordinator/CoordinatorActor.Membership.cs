// Cluster mode: workers that register mid-job join it, the singleton asks for per-worker progress, and
// shard routes may point workers at a bulk data channel instead of the shards' Akka refs.
using Akka.Actor;
using Akka.Event;
using Dtrain.Models.Data;
using Dtrain.Protocol;
using static Dtrain.Protocol.ClusterProtocol;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Coordinator;

internal sealed partial class CoordinatorActor
{
    /// <summary>Handlers every behaviour shares: late workers join, the singleton asks how the job goes.</summary>
    private void Membership()
    {
        Receive<ClusterCoordinator.AddWorker>(OnAddWorker);
        Receive<ClusterCoordinator.GetJobSnapshot>(_ => Sender.Tell(Snapshot()));
    }

    /// <summary>Routes workers use: the shards' own refs, plus the bulk channel where the PS node runs one.</summary>
    private ShardRoute[] Routes() =>
        _placement.Select((chunks, s) => _clusterShards is { } cluster
            ? new ShardRoute(s, cluster[s].Shard, chunks, cluster[s].BulkEndpoint, cluster[s].BulkTarget, _restore.RequestId)
            : new ShardRoute(s, _shards[s], chunks, Generation: _restore.RequestId)).ToArray();

    private JoinJob JoinFor(int w, ShardRoute[] routes)
    {
        var s = _job.Settings;

        // A synchronous round is one step: every worker pulls the round's parameters and pushes one gradient.
        var sync = s.Mode == Models.Graph.TrainingMode.Sync;
        return new(_job.JobId, w, _job.ModelFile, _job.ModelJson, s.Batch, sync ? 1 : s.FetchEvery, sync ? 1 : s.PushEvery, routes, Self, s.ClipNorm, s.Mode, s.Staleness, s.OverlapPush, WorkerData());
    }

    /// <summary>
    /// Cluster mode on the user's files: what each worker needs to read the data itself (the coordinator holds only
    /// the training rows' count). Null for MNIST without a validation split, which every worker node loads whole, and in
    /// one process, where the workers were handed the data set.
    /// </summary>
    private string? WorkerData() =>
        _clusterShards is not null && _job.Schema is { } schema && (!_job.Settings.Data.IsBuiltInMnist || _job.Settings.Data.ValidationSplit > 0)
            ? _workerData ??= new JobData(_job.Settings.Data, schema, _job.Settings.Seed, _job.DataRows).ToJson()
            : null;

    private void OnAddWorker(ClusterCoordinator.AddWorker add)
    {
        var w = _workers.Add(add.Worker, add.Node, add.Device);
        if (w < 0)
        {
            return;
        }

        Context.Watch(add.Worker);
        if (_epoch is null)
        {
            return; // Still placing: StartWorkers will send it JoinJob with the others.
        }

        _workers.Join(w);
        _log.Info("worker {0} on {1} joins the running job", w, add.Node);
        AdmitToShards([w]);
        add.Worker.Tell(JoinFor(w, Routes()));
    }

    /// <summary>Shards refuse pushes from worker ids not admitted: admit before the workers hear of the job.</summary>
    private void AdmitToShards(int[] workerIds)
    {
        foreach (var shard in _shards)
        {
            shard.Tell(new Protocol.ParameterShardProtocol.AdmitWorkers(workerIds));
        }
    }

    private ClusterCoordinator.JobSnapshot Snapshot() => new(_workers.Statuses(), _placement.Select(ChunkPlacement.Floats).ToArray());
}
