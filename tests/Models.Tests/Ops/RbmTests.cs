// rbm: the CD-k statistics of its backward pass against a plain C# reference that draws the same hidden samples
// (the op's seed rule reproduced on the host), and the reconstruction error it reports.
using Dtrain.Models.Backends;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using Dtrain.Models.Ops;
using static Dtrain.Models.Tests.Ops.LayerGradientCheck;

namespace Dtrain.Models.Tests.Ops;

public sealed class RbmTests
{
    private const int V = 7;
    private const int H = 5;
    private const int Batch = 4;

    internal static string Json(int k) => $$"""
        {"inputs": [{"name": "v", "shape": [{{V}}]}, {"name": "unused", "shape": [1], "dtype": "float32", "source": "labels"}],
         "nodes": [{"id": "w", "op": "parameter", "attrs": {"shape": [{{V}}, {{H}}], "init": {"type": "normal", "scale": 0.5} } },
                   {"id": "bv", "op": "parameter", "attrs": {"shape": [{{V}}], "init": {"type": "uniform", "scale": 0.3} } },
                   {"id": "bh", "op": "parameter", "attrs": {"shape": [{{H}}], "init": {"type": "uniform", "scale": 0.3} } },
                   {"id": "rbm", "op": "rbm", "inputs": ["v", "w", "bv", "bh"], "attrs": {"k": {{k}} } }],
         "loss": "rbm"}
        """;

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Rbm_gradient_is_the_negated_cd_k_update_of_a_reference_with_the_same_samples(int k)
    {
        var model = Compile(Json(k));
        var (v, labels) = Examples(model, Batch, seed: 6, feature: rng => (float)rng.NextDouble());
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, Batch, seed: 6);
        executor.Seed = 77;
        executor.SetBatch(v, labels, Batch);

        executor.Forward();
        var loss = executor.ReadLoss();
        executor.Backward();

        var theta = Download(backend, executor.Parameters);
        var gradients = Download(backend, executor.Gradients);
        var w = Slice(model, theta, "w");
        var (bv, bh) = (Slice(model, theta, "bv"), Slice(model, theta, "bh"));
        var reference = CdK(v, w, bv, bh, k, executor.StepSeed(ValueIndex(model, "rbm")));

        Assert.Equal(reference.Loss, loss, 1e-5);
        AssertClose(reference.DW, Slice(model, gradients, "w"), "dW");
        AssertClose(reference.DBv, Slice(model, gradients, "bv"), "dbv");
        AssertClose(reference.DBh, Slice(model, gradients, "bh"), "dbh");
    }

    [Fact]
    public void Rbm_draws_new_samples_every_step_and_repeats_them_for_a_seed()
    {
        var model = Compile(Json(1));
        var (v, labels) = Examples(model, Batch, seed: 2, feature: rng => (float)rng.NextDouble());
        float[] Losses(ulong seed)
        {
            using var backend = new CpuBackend(threads: 1);
            using var executor = Executor(model, backend, Batch, seed: 2);
            executor.Seed = seed;
            executor.SetBatch(v, labels, Batch);
            return Enumerable.Range(0, 4).Select(_ =>
            {
                executor.Forward();
                return executor.ReadLoss();
            }).ToArray();
        }

        var first = Losses(5);

        Assert.Equal(first, Losses(5));
        Assert.True(first.Distinct().Count() > 1, "the reconstruction should change with the samples of each step");
    }

    /// <summary>
    /// CD-k in double precision on the host: h0 = sigmoid(v W + bh), hidden samples u &lt; p with the op's counter-based
    /// uniforms, k Gibbs steps of probabilities; the negated update and the reconstruction error.
    /// </summary>
    private static (double Loss, double[] DW, double[] DBv, double[] DBh) CdK(float[] v, float[] w, float[] bv, float[] bh, int k, ulong seed)
    {
        var h0 = Hidden(v.Select(x => (double)x).ToArray(), w, bh);
        var sample = Sample(h0, Rbm.SampleSeed(seed, 0));
        double[] vk = [], hk = [];
        for (var step = 1; step <= k; step++)
        {
            vk = new double[Batch * V];
            for (var b = 0; b < Batch; b++)
            {
                for (var i = 0; i < V; i++)
                {
                    vk[(b * V) + i] = Sigmoid(bv[i] + Enumerable.Range(0, H).Sum(j => sample[(b * H) + j] * w[(i * H) + j]));
                }
            }

            hk = Hidden(vk, w, bh);
            if (step < k)
            {
                sample = Sample(hk, Rbm.SampleSeed(seed, step));
            }
        }

        var (dw, dbv, dbh) = (new double[V * H], new double[V], new double[H]);
        for (var b = 0; b < Batch; b++)
        {
            for (var i = 0; i < V; i++)
            {
                dbv[i] -= (v[(b * V) + i] - vk[(b * V) + i]) / Batch;
                for (var j = 0; j < H; j++)
                {
                    dw[(i * H) + j] -= ((v[(b * V) + i] * h0[(b * H) + j]) - (vk[(b * V) + i] * hk[(b * H) + j])) / Batch;
                }
            }

            for (var j = 0; j < H; j++)
            {
                dbh[j] -= (h0[(b * H) + j] - hk[(b * H) + j]) / Batch;
            }
        }

        var loss = v.Select((x, i) => (x - vk[i]) * (x - vk[i])).Average();
        return (loss, dw, dbv, dbh);
    }

    private static double[] Hidden(double[] v, float[] w, float[] bh)
    {
        var h = new double[Batch * H];
        for (var b = 0; b < Batch; b++)
        {
            for (var j = 0; j < H; j++)
            {
                h[(b * H) + j] = Sigmoid(bh[j] + Enumerable.Range(0, V).Sum(i => v[(b * V) + i] * w[(i * H) + j]));
            }
        }

        return h;
    }

    // The backend compares the uniform with the float probability; rounding p to float first draws the same unit.
    private static double[] Sample(double[] p, ulong seed) =>
        p.Select((q, i) => CounterRandom.Uniform(CounterRandom.Hash((uint)i, seed, 0)) < (float)q ? 1.0 : 0.0).ToArray();

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    private static float[] Slice(CompiledModel model, float[] all, string name)
    {
        var p = model.Parameters.Single(p => p.Name == name);
        return all[p.Offset..(p.Offset + p.Size)];
    }

    private static void AssertClose(double[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5, $"{what}[{i}]: reference {expected[i]:G6}, rbm {actual[i]:G6}");
        }
    }
}
