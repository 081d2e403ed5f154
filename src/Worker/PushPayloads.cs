// The worker's push payloads: host buffers from its backend (page-locked on a GPU), one free list per shard route,
// lent to Push messages and handed back when the shard, or the bulk channel's writer, releases the message.
using System.Collections.Concurrent;
using Dtrain.Models.Backends;
using Dtrain.Protocol;

namespace Dtrain.Worker;

/// <summary>
/// Reuses a few host buffers per route instead of allocating (and page-locking) one per push: at most
/// MaxPushesInFlight + 1 per route exist at once. Buffers come back on the releasing thread, hence the
/// concurrent free lists.
/// </summary>
internal sealed class PushPayloads : IDisposable
{
    private readonly IBackend _backend;
    private readonly int[] _floats;
    private readonly ConcurrentBag<HostBuffer>[] _free;
    private readonly List<HostBuffer> _allocated = [];
    private volatile bool _disposed;

    public PushPayloads(IBackend backend, int[] routeFloats)
    {
        _backend = backend;
        _floats = routeFloats;
        _free = routeFloats.Select(_ => new ConcurrentBag<HostBuffer>()).ToArray();
    }

    /// <summary>A host buffer for route <paramref name="route"/> and the message payload over it.</summary>
    public (HostBuffer Host, FloatBuffer Payload) Rent(int route)
    {
        if (!_free[route].TryTake(out var host))
        {
            host = _backend.AllocateHost(_floats[route]);
            _allocated.Add(host);
        }

        return (host, FloatBuffer.Lend(host.Array, _floats[route], _ => GiveBack(route, host)));
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

    private void GiveBack(int route, HostBuffer host)
    {
        if (!_disposed)
        {
            _free[route].Add(host);
        }
    }
}
