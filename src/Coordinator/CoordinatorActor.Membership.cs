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
    private readonly Dictionary<int, WorkerTally> _tally = [];
    private readonly Dictionary<IActorRef, string> _workerNodes = [];
    private readonly Dictionary<IActorRef, string> _workerDevices = [];
    private readonly IReadOnlyList<ClusterCoordinator.ClusterShard>? _clusterShards;
    private string? _workerData;

    /// <summary>Cluster mode: <paramref name="shards"/> are the refs this actor talks to (bulk proxies where a channel runs).</summary>
    public CoordinatorActor(JobSpec job, IReadOnlyList<ClusterCoordinator.ClusterShard> clusterShards, IReadOnlyList<IActorRef> shards, IReadOnlyList<ClusterCoordinator.AddWorker> workers, IActorRef listener, ExampleSource trainingSet, ExampleSource? testSet, ResumePlan? resume = null, ExampleSource? validationSet = null)
        : this(job, shards, workers.Select(w => w.Worker).ToList(), listener, trainingSet, testSet, resume, validationSet, job.Schema)
    {
        _clusterShards = clusterShards;
        foreach (var w in workers)
        {
            _workerNodes[w.Worker] = w.Node;
            _workerDevices[w.Worker] = w.Device;
        }
    }

    /// <summary>Handlers every behaviour shares: late workers join, the singleton asks how the job goes.</summary>
    private void Membership()
    {
        Receive<ClusterCoordinator.AddWorker>(OnAddWorker);
        Receive<ClusterCoordinator.GetJobSnapshot>(_ => Sender.Tell(Snapshot()));
    }

    /// <summary>Routes workers use: the shards' own refs, plus the bulk channel where the PS node runs one.</summary>
    private ShardRoute[] Routes() =>
        _placement.Select((chunks, s) => _clusterShards is { } cluster
            ? new ShardRoute(s, cluster[s].Shard, chunks, cluster[s].BulkEndpoint, cluster[s].BulkTarget, _loadRequest)
            : new ShardRoute(s, _shards[s], chunks, Generation: _loadRequest)).ToArray();

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
        if (_workers.Contains(add.Worker))
        {
            return;
        }

        var w = _workers.Count;
        _workers.Add(add.Worker);
        _workerNodes[add.Worker] = add.Node;
        _workerDevices[add.Worker] = add.Device;
        Context.Watch(add.Worker);
        if (_epoch is null)
        {
            return; // Still placing: StartWorkers will send it JoinJob with the others.
        }

        _liveWorkers.Add(w);
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

    private void Tally(CoordinatorProtocol.PartitionDone done)
    {
        var t = _tally.GetValueOrDefault(done.WorkerId);
        _tally[done.WorkerId] = new WorkerTally(t.Partitions + 1, t.Steps + done.Steps, t.Examples + done.Examples, t.ComputeSeconds + done.ComputeSeconds);
    }

    private ClusterCoordinator.JobSnapshot Snapshot()
    {
        var workers = _workers.Select((worker, w) =>
        {
            var t = _tally.GetValueOrDefault(w);
            var rate = t.ComputeSeconds > 0 ? t.Examples / t.ComputeSeconds : 0;
            var node = _workerNodes.GetValueOrDefault(worker) ?? "local";
            return new WorkerStatus(w, _liveWorkers.Contains(w) ? node : node + " (gone)", t.Partitions, t.Steps, rate, _workerDevices.GetValueOrDefault(worker) ?? "");
        }).ToArray();
        return new ClusterCoordinator.JobSnapshot(workers, _placement.Select(ChunkPlacement.Floats).ToArray());
    }

    private readonly record struct WorkerTally(int Partitions, long Steps, long Examples, double ComputeSeconds);
}
