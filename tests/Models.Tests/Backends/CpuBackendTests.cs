// Runs the shared kernel contract on the managed SIMD CPU backend, plus what only the CPU backend offers.
using Dtrain.Models.Backends.Cpu;

namespace Dtrain.Models.Tests.Backends;

public sealed class CpuBackendTests : BackendKernelTests
{
    public CpuBackendTests()
        : base(new CpuBackend(threads: 1))
    {
    }

    [Fact]
    public void Span_views_exactly_the_tensor()
    {
        var tensor = Put(1f, 2f, 3f);

        var span = CpuBackend.Span(tensor);
        span[1] = 20f;

        Assert.Equal(3, span.Length);
        Assert.Equal([1f, 20f, 3f], Get(tensor));
        AssertGuardsIntact();
    }
}
