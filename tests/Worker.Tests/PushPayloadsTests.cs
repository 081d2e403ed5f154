// The worker's pool of push payloads: buffers come back for reuse when a message is released, and payloads whose
// message is copied and never released (serialize-messages) do not make the pool grow.
using Dtrain.Models.Backends.Cpu;

namespace Dtrain.Worker.Tests;

public sealed class PushPayloadsTests
{
    [Fact]
    public void A_released_payload_is_reused_for_the_next_push_to_its_route()
    {
        using var backend = new CpuBackend(1);
        using var payloads = new PushPayloads(backend, [10, 3]);

        var (first, payload) = payloads.Rent(0);
        payload.Release();
        var (second, _) = payloads.Rent(0);
        var (other, _) = payloads.Rent(1);

        Assert.Same(first, second);
        Assert.NotSame(first, other);
        Assert.Equal(3, other.Length);
        Assert.Equal(2, payloads.PooledCount);
    }

    [Fact]
    public void Payloads_never_released_leave_the_pool_bounded()
    {
        using var backend = new CpuBackend(1);
        using var payloads = new PushPayloads(backend, [1000]);

        // As under serialize-messages: each message is delivered as a copy and the original never released.
        var rented = Enumerable.Range(0, 50).Select(_ => payloads.Rent(0)).ToList();

        Assert.Equal(PushPayloads.PooledPerRoute, payloads.PooledCount);
        Assert.Equal(50, rented.Select(r => r.Host).Distinct().Count());
        Assert.All(rented, r => Assert.Equal(1000, r.Payload.Length));
    }
}
