// The worker's push payloads: host buffers from its backend (page-locked on a GPU), one free list per shard route,
// lent to Push messages and handed back when the shard, or the bulk channel's writer, releases the message.
using System.Collections.Concurrent;
using Dtrain.Models.Backends;
using Dtrain.Protocol;

namespace Dtrain.Worker;

/// <summary>
/// Reuses a few host buffers per route instead of allocating (and page-locking) one per push: at most
/// MaxPushesInFlight + 1 per route are in use at once. Buffers come back on the releasing thread, hence the
/// concurrent free lists. A message can be copied before it is released (Akka's serialize-messages delivers a
/// deserialized copy and drops the original), so past <see cref="PooledPerRoute"/> per route a payload is a
/// one-off buffer the pool does not hold on to: memory stays bounded however many never come back.
/// </summary>
internal sealed class PushPayloads : IDisposable
{
    /// <summary>Buffers a route keeps for reuse: two pushes in flight, one being staged, one spare.</summary>
    public const int PooledPerRoute = 4;

    private readonly IBackend _backend;
    private readonly int[] _floats;
    private readonly ConcurrentBag<Pooled>[] _free;
    private readonly List<HostBuffer> _allocated = [];
    private readonly int[] _pooled;
    private volatile bool _disposed;

    public PushPayloads(IBackend backend, int[] routeFloats)
    {
        _backend = backend;
        _floats = routeFloats;
        _free = routeFloats.Select(_ => new ConcurrentBag<Pooled>()).ToArray();
        _pooled = new int[routeFloats.Length];
    }

    /// <summary>Buffers held for reuse over all routes (in use or free).</summary>
    public int PooledCount => _allocated.Count;

    /// <summary>A host buffer for route <paramref name="route"/> and the message payload over it.</summary>
    public (HostBuffer Host, FloatBuffer Payload) Rent(int route)
    {
        if (!_free[route].TryTake(out var pooled))
        {
            var host = _backend.AllocateHost(_floats[route]);
            if (_pooled[route] >= PooledPerRoute)
            {
                // Every pooled buffer is out: some message was copied and its original never released. This one is
                // used once and freed when released, or collected with its message if it never is.
                return (host, FloatBuffer.Lend(host.Array, _floats[route], _ => host.Dispose()));
            }

            _pooled[route]++;
            _allocated.Add(host);
            pooled = new Pooled(this, route, host);
        }

        // The give-back delegate was made once with the buffer: a push allocates only its FloatBuffer.
        return (pooled.Host, FloatBuffer.Lend(pooled.Host.Array, _floats[route], pooled.GiveBack));
    }

    /// <summary>
    /// Releases every buffer, those still in flight too: their arrays stay valid for whoever reads them, only the
    /// page lock ends. Buffers released afterwards are dropped.
    /// </summary>
    public void Dispose()
    {
        _disposed = true;
        foreach (var host in _allocated)
        {
            host.Dispose();
        }

        _allocated.Clear();
    }

    /// <summary>A reusable buffer of one route and the delegate that hands it back to that route's free list.</summary>
    private sealed class Pooled
    {
        public Pooled(PushPayloads owner, int route, HostBuffer host)
        {
            Host = host;
            GiveBack = _ =>
            {
                if (!owner._disposed)
                {
                    owner._free[route].Add(this);
                }
            };
        }

        public HostBuffer Host { get; }

        public Action<float[]> GiveBack { get; }
    }
}
