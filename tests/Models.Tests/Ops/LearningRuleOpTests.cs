// perceptron and hopfield: their forward values, and backward passes that are the learning rules' updates negated
// (Rosenblatt's rule, Hebb's rule), checked by direct computation on the host.
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using static Dtrain.Models.Tests.Ops.LayerGradientCheck;

namespace Dtrain.Models.Tests.Ops;

public sealed class LearningRuleOpTests
{
    private const string PerceptronJson = """
        {"inputs": [{"name": "x", "shape": [3]}, {"name": "t", "shape": [2], "dtype": "float32", "source": "labels"}],
         "nodes": [{"id": "fc", "op": "dense", "inputs": ["x"], "attrs": {"units": 2, "bias_init": {"type": "uniform", "scale": 0.5} } },
                   {"id": "loss", "op": "perceptron", "inputs": ["fc", "t"]}],
         "loss": "loss"}
        """;

    private const int N = 16;

    private static readonly string HopfieldJson = $$"""
        {"inputs": [{"name": "s", "shape": [{{N}}]}, {"name": "unused", "shape": [1], "dtype": "float32", "source": "labels"}],
         "nodes": [{"id": "w", "op": "parameter", "attrs": {"shape": [{{N}}, {{N}}], "init": "zeros"} },
                   {"id": "energy", "op": "hopfield", "inputs": ["s", "w"]}],
         "loss": "energy"}
        """;

    [Fact]
    public void Perceptron_loss_is_the_fraction_of_units_wrong_and_its_gradient_is_rosenblatts_rule()
    {
        const int batch = 6;
        var model = Compile(PerceptronJson);
        var (x, t) = Examples(model, batch, seed: 3, label: rng => rng.Next(2));
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, batch, seed: 3);
        executor.SetBatch(x, t, batch);

        executor.Forward();
        var loss = executor.ReadLoss();
        executor.Backward();

        var theta = Download(backend, executor.Parameters);
        var gradients = Download(backend, executor.Gradients);
        var (w, bias) = (model.Parameters.Single(p => p.Name == "fc.weight"), model.Parameters.Single(p => p.Name == "fc.bias"));
        var wrong = 0;
        var expectedW = new double[3 * 2];
        var expectedBias = new double[2];
        for (var b = 0; b < batch; b++)
        {
            for (var j = 0; j < 2; j++)
            {
                var z = theta[bias.Offset + j] + Enumerable.Range(0, 3).Sum(i => x[(b * 3) + i] * theta[w.Offset + (i * 2) + j]);
                var y = z > 0 ? 1 : 0;
                var error = t[(b * 2) + j] - y;
                wrong += error != 0 ? 1 : 0;

                // Rosenblatt: w += eta (t - y) x / B, so the gradient is its negation.
                expectedBias[j] -= error / (double)batch;
                for (var i = 0; i < 3; i++)
                {
                    expectedW[(i * 2) + j] -= error * x[(b * 3) + i] / batch;
                }
            }
        }

        Assert.Equal(wrong / 12f, loss, 1e-6f);
        Assert.InRange(wrong, 1, 11);
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(expectedW[i], gradients[w.Offset + i], 1e-6);
        }

        Assert.Equal(expectedBias[0], gradients[bias.Offset], 1e-6);
        Assert.Equal(expectedBias[1], gradients[bias.Offset + 1], 1e-6);
    }

    [Fact]
    public void Hopfield_one_epoch_of_sgd_with_rate_one_stores_hebbs_weights_with_a_zero_diagonal()
    {
        // Five patterns in batches of 2, 2 and 1: the update is a sum over each batch, so the epoch adds them all.
        var patterns = BipolarPatterns(5, seed: 8);
        var model = Compile(HopfieldJson);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, 2, seed: 8);
        var w = new float[N * N];
        foreach (var (start, size) in new[] { (0, 2), (2, 2), (4, 1) })
        {
            executor.SetBatch(patterns.AsSpan(start * N, size * N), new float[size], size);
            executor.Forward();
            executor.Backward();
            var gradient = Download(backend, executor.Gradients);
            for (var i = 0; i < w.Length; i++)
            {
                w[i] -= 1f * gradient[i];
            }

            backend.Upload(w, executor.Parameters);
        }

        for (var i = 0; i < N; i++)
        {
            for (var j = 0; j < N; j++)
            {
                var hebb = i == j ? 0.0 : Enumerable.Range(0, 5).Sum(p => patterns[(p * N) + i] * patterns[(p * N) + j]) / (double)N;
                Assert.Equal(hebb, w[(i * N) + j], 1e-6);
            }
        }
    }

    [Fact]
    public void Hopfield_energy_is_the_batch_mean_of_minus_half_s_w_s()
    {
        var patterns = BipolarPatterns(3, seed: 9);
        var rng = new Random(10);
        var w = Enumerable.Range(0, N * N).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var model = Compile(HopfieldJson);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, 3, seed: 9);
        backend.Upload(w, executor.Parameters);
        executor.SetBatch(patterns, new float[3], 3);

        executor.Forward();

        var expected = Enumerable.Range(0, 3).Average(p =>
            -0.5 * Enumerable.Range(0, N * N).Sum(ij => patterns[(p * N) + (ij / N)] * w[ij] * patterns[(p * N) + (ij % N)]));
        Assert.Equal(expected, executor.ReadLoss(), 1e-4);
    }

    [Theory]
    [InlineData("""{"id": "bad", "op": "perceptron", "inputs": ["x", "t3"]}""", "pre-activations (batch, 4) and targets (batch, 3) must have the same shape")]
    [InlineData("""{"id": "bad", "op": "hopfield", "inputs": ["x", "w43"]}""", "weights (input 1) must be (4, 4) for states (batch, 4), got (4, 3)")]
    [InlineData("""{"id": "bad", "op": "rbm", "inputs": ["x", "w43", "b3", "b3"]}""", "visible bias (input 2) must be (4), got (3)")]
    [InlineData("""{"id": "bad", "op": "rbm", "inputs": ["x", "w43", "b4", "b4"]}""", "hidden bias (input 3) must be (3), got (4)")]
    [InlineData("""{"id": "bad", "op": "rbm", "inputs": ["x", "b4", "b4", "b3"]}""", "weights (input 1) must be (4, hidden)")]
    [InlineData("""{"id": "bad", "op": "rbm", "inputs": ["x", "w43", "b4", "b3"], "attrs": {"k": 0}}""", "attribute 'k' must be a positive integer")]
    [InlineData("""{"id": "bad", "op": "rbm", "inputs": ["x", "w43", "b4", "b3"], "attrs": {"k": 1001}}""", "k (Gibbs steps of CD-k) must be at most 1,000, got 1,001")]
    public void Learning_rule_op_error_names_the_node_and_the_problem(string node, string problem)
    {
        var json = $$"""
            {"inputs": [{"name": "x", "shape": [4]}, {"name": "y", "shape": [], "dtype": "int32"},
                        {"name": "t3", "shape": [3], "dtype": "float32", "source": "features"}],
             "nodes": [{"id": "w43", "op": "parameter", "attrs": {"shape": [4, 3]} },
                       {"id": "b4", "op": "parameter", "attrs": {"shape": [4]} },
                       {"id": "b3", "op": "parameter", "attrs": {"shape": [3]} },
                       {{node}},
                       {"id": "fc", "op": "dense", "inputs": ["x"], "attrs": {"units": 2} },
                       {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc", "y"]}],
             "loss": "loss"}
            """;

        var error = Assert.Throws<ModelFileException>(() => ModelCompiler.Compile(ModelParser.Parse(json, "rules.json")));

        Assert.Equal("bad", error.Node);
        Assert.Contains(problem, error.Problem);
    }

    private static float[] BipolarPatterns(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count * N).Select(_ => rng.Next(2) == 0 ? -1f : 1f).ToArray();
    }
}
