// Bounded staleness (ssp) on the worker's side: per shard, the version of the parameters the replica holds and the
// newest version heard of (from parameters and push acknowledgements); a step may start only while no shard's lag
// is over the bound.
namespace Dtrain.Worker;

/// <summary>
/// The versions a worker knows of each shard of its job. The lag of a shard is the newest version heard of minus
/// the version of the parameters in use; in ssp mode a step must not start with a lag over <c>staleness</c>, in
/// the other modes any lag is allowed (and still measured).
/// </summary>
internal sealed class StalenessTracker
{
    // Per route: the version of the parameters in use (-1: none yet), and the newest version heard of.
    private readonly long[] _inUse;
    private readonly long[] _newest;
    private readonly bool _bounded;
    private readonly int _staleness;

    /// <summary>Versions of <paramref name="shards"/> shards; <paramref name="bounded"/> (ssp) holds steps to a lag of <paramref name="staleness"/>.</summary>
    public StalenessTracker(int shards, bool bounded, int staleness)
    {
        _inUse = new long[shards];
        _newest = new long[shards];
        Array.Fill(_inUse, -1L);
        Array.Fill(_newest, -1L);
        (_bounded, _staleness) = (bounded, staleness);
    }

    /// <summary>The version of route <paramref name="route"/>'s parameters in use: a pull names it, a push is based on it.</summary>
    public long InUse(int route) => _inUse[route];

    /// <summary>Route <paramref name="route"/>'s parameters at <paramref name="version"/> are now in use.</summary>
    public void Pulled(int route, long version)
    {
        _inUse[route] = version;
        HeardOf(route, version);
    }

    /// <summary>Route <paramref name="route"/>'s shard reached <paramref name="version"/> (an older version is no news).</summary>
    public void HeardOf(int route, long version) => _newest[route] = Math.Max(_newest[route], version);

    /// <summary>The largest lag over the shards now (0: every shard's parameters in use are the newest heard of).</summary>
    public long Lag
    {
        get
        {
            var lag = 0L;
            for (var s = 0; s < _inUse.Length; s++)
            {
                lag = Math.Max(lag, _newest[s] - _inUse[s]);
            }

            return lag;
        }
    }

    /// <summary>False in ssp mode while the parameters of some shard are more than <c>staleness</c> versions behind the newest heard of.</summary>
    public bool MayStart
    {
        get
        {
            if (!_bounded)
            {
                return true;
            }

            for (var s = 0; s < _inUse.Length; s++)
            {
                if (_newest[s] - _inUse[s] > _staleness)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
