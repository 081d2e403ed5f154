// The worker's side of the training modes: bounded staleness (ssp) decides when a step must wait for fresh
// parameters; synchronous rounds need the shards to know which workers take part.
using Akka.Actor;
using Dtrain.Protocol;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.Worker;

internal sealed partial class WorkerActor
{
    // Per shard: the newest version this worker has heard of (from Params and PushAck).
    private long[] _latestVersions = [];

    // Largest lag (newest version heard of minus the version of the parameters in use) a step of this partition started with.
    private long _maxLag;

    private void HeardOf(int route, long version) => _latestVersions[route] = Math.Max(_latestVersions[route], version);

    /// <summary>ssp: the parameters of some shard are more than <c>staleness</c> versions behind the newest heard of.</summary>
    private bool TooStale()
    {
        var job = _job!;
        if (job.Mode != Models.Graph.TrainingMode.Ssp)
        {
            return false;
        }

        for (var s = 0; s < _shardVersions.Length; s++)
        {
            if (_latestVersions[s] - _shardVersions[s] > job.Staleness)
            {
                return true;
            }
        }

        return false;
    }

    private void NoteLag()
    {
        for (var s = 0; s < _shardVersions.Length; s++)
        {
            _maxLag = Math.Max(_maxLag, _latestVersions[s] - _shardVersions[s]);
        }
    }

    /// <summary>sync: a worker takes part in rounds while it holds a partition, so shards never wait for an idle one.</summary>
    private void TakePartInRounds(bool active)
    {
        var job = _job!;
        if (job.Mode != Models.Graph.TrainingMode.Sync)
        {
            return;
        }

        foreach (var route in job.Shards)
        {
            route.Shard.Tell(new SyncMembership(job.WorkerId, active));
        }
    }
}
