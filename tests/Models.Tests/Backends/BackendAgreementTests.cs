// Every IBackend kernel run on the CPU backend and on a backend under test with the same seeded random inputs;
// outputs must agree to float tolerance. Written once: each device backend present subclasses it, and a class
// whose device is missing skips every test visibly instead of passing.
using Dtrain.Models.Backends;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Tests.Backends;

public abstract partial class BackendAgreementTests : IDisposable
{
    private readonly CpuBackend _cpu = new(threads: 1);
    private readonly IBackend? _device;
    private readonly string _skipReason;
    private readonly Random _rng = new(1234);

    protected BackendAgreementTests(IBackend? device, string skipReason)
    {
        _device = device;
        _skipReason = skipReason;
    }

    public void Dispose()
    {
        _cpu.Dispose();
        _device?.Dispose();
    }

    /// <summary>The same floats on both backends.</summary>
    protected sealed record Pair(Tensor Cpu, Tensor Device);

    /// <summary>Skips the test when this class's device is missing, naming why.</summary>
    protected void RequireDevice() => Skip.If(_device is null, _skipReason);

    /// <summary>Uniform random floats in [lo, hi) on both backends.</summary>
    protected Pair Random(int length, float lo = -1f, float hi = 1f) =>
        Values(Enumerable.Range(0, length).Select(_ => lo + ((hi - lo) * (float)_rng.NextDouble())).ToArray());

    /// <summary>NaN in every element on both backends: what an output that must be overwritten starts as.</summary>
    protected Pair NaNs(int length) => Values(Enumerable.Repeat(float.NaN, length).ToArray());

    /// <summary>Random class ids in [0, classes) as floats.</summary>
    protected Pair Labels(int rows, int classes) => Values(Enumerable.Range(0, rows).Select(_ => (float)_rng.Next(classes)).ToArray());

    protected Pair Values(float[] values)
    {
        var pair = new Pair(new Tensor(_cpu.Allocate(values.Length), 0, values.Length), new Tensor(_device!.Allocate(values.Length), 0, values.Length));
        _cpu.Upload(values, pair.Cpu);
        _device.Upload(values, pair.Device);
        return pair;
    }

    /// <summary>Runs <paramref name="kernel"/> on the CPU backend, then on the device, each with its own tensors.</summary>
    protected void Both(Action<IBackend, Func<Pair, Tensor>> kernel)
    {
        kernel(_cpu, p => p.Cpu);
        kernel(_device!, p => p.Device);
    }

    /// <summary>Runs a kernel that returns a value on both backends and checks the values are equal.</summary>
    protected void BothEqual<T>(Func<IBackend, Func<Pair, Tensor>, T> kernel) =>
        Assert.Equal(kernel(_cpu, p => p.Cpu), kernel(_device!, p => p.Device));

    /// <summary>Asserts the pair holds the same floats to a relative tolerance (absolute below magnitude 1).</summary>
    protected void AssertAgree(Pair pair, float tolerance = 1e-4f, string what = "")
    {
        var (expected, actual) = (new float[pair.Cpu.Length], new float[pair.Device.Length]);
        _cpu.Download(pair.Cpu, expected);
        _device!.Download(pair.Device, actual);
        for (var i = 0; i < expected.Length; i++)
        {
            var bound = tolerance * Math.Max(1f, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= bound || (float.IsNaN(expected[i]) && float.IsNaN(actual[i])),
                $"{what}[{i}]: CPU {expected[i]}, device {actual[i]}");
        }
    }

    /// <summary>Asserts neither backend left NaN in the pair (AssertAgree lets NaN on both sides pass).</summary>
    protected void AssertNoNaN(Pair pair, string what)
    {
        var (cpu, device) = (new float[pair.Cpu.Length], new float[pair.Device.Length]);
        _cpu.Download(pair.Cpu, cpu);
        _device!.Download(pair.Device, device);
        Assert.False(cpu.Any(float.IsNaN), $"{what}: NaN on the CPU backend");
        Assert.False(device.Any(float.IsNaN), $"{what}: NaN on the device");
    }

    protected void AssertAgree(params Pair[] pairs)
    {
        foreach (var p in pairs)
        {
            AssertAgree(p, 1e-4f);
        }
    }
}
