// Global-norm clipping over several tensors, against hand values (a 3-4-12 gradient has norm 13).
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Optimizers;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Tests.Optimizers;

public sealed class GradientClippingTests : IDisposable
{
    private readonly CpuBackend _backend = new(threads: 1);

    public void Dispose() => _backend.Dispose();

    [Fact]
    public void Gradient_above_the_norm_is_scaled_to_it_keeping_its_direction()
    {
        var (a, b) = (Put(3f, 4f), Put(12f));

        var norm = GradientClipping.ClipByGlobalNorm(_backend, [a, b], Put(0f), maxNorm: 6.5f);

        // The norm is over both tensors together; each is scaled by 6.5 / 13 = 0.5 (PyTorch's 1e-6 aside).
        Assert.Equal(13f, norm, 1e-5f);
        Assert.Equal([1.5f, 2f], Get(a), new Tolerance(1e-5f));
        Assert.Equal([6f], Get(b), new Tolerance(1e-5f));
    }

    [Fact]
    public void Gradient_within_the_norm_is_left_alone()
    {
        var (a, b) = (Put(3f, 4f), Put(12f));

        var norm = GradientClipping.ClipByGlobalNorm(_backend, [a, b], Put(99f), maxNorm: 13.5f);

        Assert.Equal(13f, norm, 1e-5f);
        Assert.Equal([3f, 4f], Get(a));
        Assert.Equal([12f], Get(b));
    }

    private Tensor Put(params float[] values)
    {
        var t = new Tensor(_backend.Allocate(values.Length), 0, values.Length);
        _backend.Upload(values, t);
        return t;
    }

    private float[] Get(Tensor t)
    {
        var host = new float[t.Length];
        _backend.Download(t, host);
        return host;
    }

    private sealed class Tolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
