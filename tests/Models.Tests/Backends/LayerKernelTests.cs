// The layer library's kernel contract, written once against Upload/Download so every backend runs it: each
// kernel against a scalar formula or a hand computation, at 37 elements (vector loops and their tails), with
// guard floats around every tensor to catch writes outside it.
using Dtrain.Models.Backends;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Tests.Backends;

public abstract class LayerKernelTests : IDisposable
{
    private const int Guard = 3;
    private const float Sentinel = -12345f;
    private const int Odd = 37;
    private readonly List<Tensor> _tensors = [];

    protected LayerKernelTests(IBackend backend)
    {
        Backend = backend;
    }

    protected IBackend Backend { get; }

    public void Dispose() => Backend.Dispose();

    [Fact]
    public void LeakyRelu_and_its_gradient_match_the_scalar_formula()
    {
        var x = Series(Odd, 1);
        var dy = Series(Odd, 2);
        var (xt, y, dx) = (Put(x), Put(new float[Odd]), Put(Enumerable.Repeat(1f, Odd).ToArray()));

        Backend.LeakyRelu(xt, y, 0.1f);
        Backend.LeakyReluBackward(xt, Put(dy), dx, 0.1f, accumulate: true);

        Assert.Equal(x.Select(v => v > 0 ? v : 0.1f * v), Get(y));
        Assert.Equal(x.Select((v, i) => 1f + (dy[i] * (v > 0 ? 1f : 0.1f))), Get(dx));
        AssertGuardsIntact();
    }

    [Fact]
    public void Elu_and_its_gradient_match_the_scalar_formula()
    {
        var x = Series(Odd, 3).Select(v => v * 4).Append(100f).ToArray();
        var dy = Series(x.Length, 4);
        var (xt, y, dx) = (Put(x), Put(new float[x.Length]), Put(new float[x.Length]));

        Backend.Elu(xt, y, 0.5f);
        Backend.EluBackward(xt, y, Put(dy), dx, 0.5f, accumulate: false);

        var got = Get(y);
        var grad = Get(dx);
        for (var i = 0; i < x.Length; i++)
        {
            Assert.Equal(x[i] > 0 ? x[i] : 0.5 * (Math.Exp(x[i]) - 1), got[i], 1e-6);
            Assert.Equal(dy[i] * (x[i] > 0 ? 1 : 0.5 * Math.Exp(x[i])), grad[i], 1e-6);
        }

        AssertGuardsIntact();
    }

    [Fact]
    public void Prelu_applies_one_slope_per_channel_for_features_and_for_image_channels()
    {
        // (2 rows, 37 features) and (2 rows, 3 channels, 5 positions).
        foreach (var (channels, inner) in new[] { (Odd, 1), (3, 5) })
        {
            var x = Series(2 * channels * inner, channels);
            var slope = Series(channels, 5);
            var y = Put(new float[x.Length]);

            Backend.Prelu(Put(x), Put(slope), y, 2, channels, inner);

            Assert.Equal(x.Select((v, i) => v > 0 ? v : slope[i / inner % channels] * v), Get(y));
        }

        AssertGuardsIntact();
    }

    [Fact]
    public void Softmax_rows_sum_to_one_and_stay_finite_for_large_logits()
    {
        var x = Series(2 * Odd, 6).Select((v, i) => i < Odd ? v * 5 : 1000f + v).ToArray();
        var y = Put(new float[x.Length]);

        Backend.Softmax(Put(x), y, 2, Odd);

        var got = Get(y);
        for (var r = 0; r < 2; r++)
        {
            var row = x.Skip(r * Odd).Take(Odd).ToArray();
            var max = row.Max();
            var total = row.Sum(v => Math.Exp(v - max));
            for (var c = 0; c < Odd; c++)
            {
                Assert.Equal(Math.Exp(row[c] - max) / total, got[(r * Odd) + c], 1e-6);
            }
        }

        AssertGuardsIntact();
    }

    [Fact]
    public void BinaryCrossEntropy_matches_a_hand_computation_and_stays_finite_for_large_logits()
    {
        // log 2; log(1 + e^-2); log(1 + e^-3); and 100 twice where a naive log(sigmoid) would give infinity.
        var z = Put(0f, 2f, -3f, 100f, -100f);
        var y = Put(0.5f, 1f, 0f, 0f, 1f);
        var loss = Put(0f);
        var dz = Put(new float[5]);

        Backend.BinaryCrossEntropyWithLogits(z, y, 5, loss, dz, false, null, false);

        Assert.Equal((Math.Log(2) + Math.Log(1 + Math.Exp(-2)) + Math.Log(1 + Math.Exp(-3)) + 200) / 5, Get(loss)[0], 1e-4);
        double[] sigmoid = [0.5, 1 / (1 + Math.Exp(-2)), 1 / (1 + Math.Exp(3)), 1, 0];
        double[] target = [0.5, 1, 0, 0, 1];
        var grad = Get(dz);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal((sigmoid[i] - target[i]) / 5, grad[i], 1e-6);
        }

        AssertGuardsIntact();
    }

    [Fact]
    public void BinaryCrossEntropy_rejects_a_target_outside_zero_to_one_naming_the_element()
    {
        var loss = Put(0f);

        var error = Assert.Throws<DtrainException>(() =>
        {
            Backend.BinaryCrossEntropyWithLogits(Put(0f, 0f), Put(1f, 7f), 2, loss, null, false, null, false);
            Get(loss);
        });

        Assert.Contains("target 7 at element 1", error.Message);
    }

    [Fact]
    public void DropoutMask_is_the_same_function_of_seed_and_index_whatever_the_length()
    {
        // At 37 floats, elements 32..36 are the scalar tail; at 53 they fall in a vector: the bits must agree.
        var shortMask = Put(new float[Odd]);
        var longMask = Put(new float[53]);
        var otherSeed = Put(new float[Odd]);

        Backend.DropoutMask(shortMask, 0.25f, 0xDEADBEEF_12345678UL);
        Backend.DropoutMask(longMask, 0.25f, 0xDEADBEEF_12345678UL);
        Backend.DropoutMask(otherSeed, 0.25f, 0xDEADBEEF_12345679UL);

        Assert.Equal(Get(shortMask), Get(longMask)[..Odd]);
        Assert.NotEqual(Get(shortMask), Get(otherSeed));
        Assert.All(Get(longMask), v => Assert.True(v == 0f || v == 1f / 0.75f, $"mask value {v}"));
        AssertGuardsIntact();
    }

    [Fact]
    public void LayerNorm_rows_have_zero_mean_and_unit_variance_before_gamma_and_beta()
    {
        var x = Series(2 * Odd, 7).Select(v => (v * 3) + 10).ToArray();
        var gamma = Enumerable.Repeat(2f, Odd).ToArray();
        var beta = Enumerable.Repeat(-1f, Odd).ToArray();
        var y = Put(new float[x.Length]);

        Backend.LayerNorm(Put(x), Put(gamma), Put(beta), y, Put(new float[4]), 2, Odd, 0f);

        var got = Get(y);
        for (var r = 0; r < 2; r++)
        {
            var xhat = got.Skip(r * Odd).Take(Odd).Select(v => (v + 1.0) / 2).ToArray();
            Assert.Equal(0, xhat.Average(), 1e-5);
            Assert.Equal(1, xhat.Average(v => v * v), 1e-4);
        }

        AssertGuardsIntact();
    }

    [Fact]
    public void ScaleInto_overwrites_or_accumulates()
    {
        var x = Series(Odd, 8);
        var y = Put(Enumerable.Repeat(1f, Odd).ToArray());

        Backend.ScaleInto(Put(x), 2f, y, accumulate: true);
        var added = Get(y);
        Backend.ScaleInto(Put(x), 2f, y, accumulate: false);

        Assert.Equal(x.Select(v => 1f + (2f * v)), added);
        Assert.Equal(x.Select(v => 2f * v), Get(y));
        AssertGuardsIntact();
    }

    private static float[] Series(int length, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
    }

    private Tensor Put(params float[] values)
    {
        var buffer = Backend.Allocate(values.Length + (2 * Guard));
        var guarded = Enumerable.Repeat(Sentinel, Guard).Concat(values).Concat(Enumerable.Repeat(Sentinel, Guard)).ToArray();
        Backend.Upload(guarded, new Tensor(buffer, 0, guarded.Length));
        var tensor = new Tensor(buffer, Guard, values.Length);
        _tensors.Add(tensor);
        return tensor;
    }

    private float[] Get(Tensor tensor)
    {
        var host = new float[tensor.Length];
        Backend.Download(tensor, host);
        return host;
    }

    private void AssertGuardsIntact()
    {
        foreach (var t in _tensors)
        {
            var whole = Get(new Tensor(t.Buffer, 0, t.Buffer.Length));
            Assert.All(whole[..Guard].Concat(whole[^Guard..]), v => Assert.Equal(Sentinel, v));
        }
    }
}

/// <summary>The layer kernel contract on the managed SIMD CPU backend.</summary>
public sealed class CpuLayerKernelTests : LayerKernelTests
{
    public CpuLayerKernelTests()
        : base(new CpuBackend(threads: 1))
    {
    }
}
