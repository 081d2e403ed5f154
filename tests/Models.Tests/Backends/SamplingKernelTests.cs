// The counter-based samplers on the CPU backend: the statistics of bernoulli and normal, and draws that depend
// only on (seed, index).
using Dtrain.Models.Backends;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Tests.Backends;

public sealed class SamplingKernelTests : IDisposable
{
    private const int Count = 200_000;
    private readonly CpuBackend _backend = new(threads: 1);

    public void Dispose() => _backend.Dispose();

    [Theory]
    [InlineData(0.1f)]
    [InlineData(0.5f)]
    [InlineData(0.93f)]
    public void Bernoulli_ones_come_with_probability_p(float p)
    {
        var y = Draw(t => _backend.Bernoulli(Put(Enumerable.Repeat(p, Count).ToArray()), t, 42UL));

        // Standard deviation of the fraction: sqrt(p (1 - p) / 200000) <= 0.0012; allow five of them.
        Assert.All(y, v => Assert.True(v is 0f or 1f, $"{v} is not a binary unit"));
        Assert.InRange(y.Average(), p - 0.006, p + 0.006);
    }

    [Fact]
    public void Bernoulli_of_zero_and_one_is_certain()
    {
        var p = Enumerable.Range(0, 1000).Select(i => (float)(i % 2)).ToArray();

        var y = Draw(t => _backend.Bernoulli(Put(p), t, 7UL), p.Length);

        Assert.Equal(p, y);
    }

    [Fact]
    public void Normal_has_the_requested_mean_and_standard_deviation()
    {
        var y = Draw(t => _backend.Normal(t, 1.5f, 0.5f, 99UL));

        // Standard error of the mean 0.5 / sqrt(2e5) = 0.0011; of the variance ~ 0.25 sqrt(2 / 2e5) = 0.0008.
        var mean = y.Average(v => (double)v);
        var variance = y.Average(v => (v - mean) * (v - mean));
        Assert.InRange(mean, 1.5 - 0.006, 1.5 + 0.006);
        Assert.InRange(variance, 0.25 - 0.005, 0.25 + 0.005);
    }

    [Fact]
    public void Normal_draws_are_gaussian_in_their_quantiles_and_tails()
    {
        var z = Draw(t => _backend.Normal(t, 0f, 1f, 1234UL));

        // P(|z| < 1) = 0.6827, P(|z| < 2) = 0.9545, P(z > 0) = 0.5; the Box-Muller radius reaches 5.7 sigma.
        Assert.InRange(z.Count(v => MathF.Abs(v) < 1f) / (double)Count, 0.6827 - 0.005, 0.6827 + 0.005);
        Assert.InRange(z.Count(v => MathF.Abs(v) < 2f) / (double)Count, 0.9545 - 0.003, 0.9545 + 0.003);
        Assert.InRange(z.Count(v => v > 0f) / (double)Count, 0.5 - 0.006, 0.5 + 0.006);
        Assert.All(z, v => Assert.True(float.IsFinite(v) && MathF.Abs(v) < 6f, $"{v} is not a plausible draw"));
    }

    [Fact]
    public void Draws_depend_on_the_seed_and_the_index_only()
    {
        var first = Draw(t => _backend.Normal(t, 0f, 1f, 5UL), 1000);
        var again = Draw(t => _backend.Normal(t, 0f, 1f, 5UL), 1000);
        var prefix = Draw(t => _backend.Normal(t, 0f, 1f, 5UL), 10);
        var other = Draw(t => _backend.Normal(t, 0f, 1f, 6UL), 1000);

        Assert.Equal(first, again);
        Assert.Equal(first[..10], prefix);
        Assert.True(first.Zip(other).Count(p => p.First == p.Second) < 5, "another seed should draw other noise");
    }

    [Fact]
    public void Box_muller_parts_match_the_library_log_and_cosine()
    {
        // Every 4099th hash: all quadrants, and radii from u near 2^-24 (the loop's longest shift) to u = 1.
        for (var h = 0UL; h <= uint.MaxValue; h += 4099)
        {
            var u = (((uint)h >> 8) + 1) / 16777216.0;
            var angle = 2 * Math.PI * ((uint)h >> 8) / 16777216.0;
            Assert.Equal(-2 * Math.Log(u), CounterRandom.BoxMullerRadiusSquared((uint)h), 2e-6 * Math.Max(1, -2 * Math.Log(u)));
            Assert.Equal(Math.Cos(angle), CounterRandom.BoxMullerCosine((uint)h), 1e-6);
        }

        Assert.Equal(-2 * Math.Log(1.0 / 16777216), CounterRandom.BoxMullerRadiusSquared(0U), 1e-4);
        Assert.Equal(0f, CounterRandom.BoxMullerRadiusSquared(uint.MaxValue));
    }

    private float[] Draw(Action<Tensor> kernel, int length = Count)
    {
        var y = new Tensor(_backend.Allocate(length), 0, length);
        kernel(y);
        var host = new float[length];
        _backend.Download(y, host);
        return host;
    }

    private Tensor Put(float[] values)
    {
        var t = new Tensor(_backend.Allocate(values.Length), 0, values.Length);
        _backend.Upload(values, t);
        return t;
    }
}
