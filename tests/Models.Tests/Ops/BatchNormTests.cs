// batch_norm's state: running statistics moved by PyTorch's rule in training, and used alone in evaluation.
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using static Dtrain.Models.Tests.Ops.LayerGradientCheck;

namespace Dtrain.Models.Tests.Ops;

public sealed class BatchNormTests
{
    [Theory]
    [InlineData("[5]", 5, 1)]
    [InlineData("[3, 2, 2]", 3, 4)]
    public void BatchNorm_running_statistics_follow_pytorchs_update_rule(string shape, int channels, int inner)
    {
        const int batch = 6;
        const double momentum = 0.2;
        var model = Compile(Model(shape, """{"momentum": 0.2}"""));
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, batch, seed: 1);
        var expectedMean = new double[channels];
        var expectedVar = Enumerable.Repeat(1.0, channels).ToArray();

        for (var step = 0; step < 2; step++)
        {
            // Offset and spread differ per channel, so a mix-up of channels or axes shows.
            var (features, labels) = Examples(model, batch, seed: 10 + step);
            for (var i = 0; i < features.Length; i++)
            {
                var c = i / inner % channels;
                features[i] = (features[i] * (c + 1)) + (3 * c);
            }

            executor.SetBatch(features, labels, batch);
            executor.Forward();
            for (var c = 0; c < channels; c++)
            {
                var values = Enumerable.Range(0, features.Length).Where(i => i / inner % channels == c).Select(i => (double)features[i]).ToArray();
                var mean = values.Average();
                var unbiased = values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
                expectedMean[c] = ((1 - momentum) * expectedMean[c]) + (momentum * mean);
                expectedVar[c] = ((1 - momentum) * expectedVar[c]) + (momentum * unbiased);
            }
        }

        var runningMean = Parameter(model, backend, executor, "bn.running_mean");
        var runningVar = Parameter(model, backend, executor, "bn.running_var");
        for (var c = 0; c < channels; c++)
        {
            Assert.Equal(expectedMean[c], runningMean[c], 1e-5);
            Assert.Equal(expectedVar[c], runningVar[c], 1e-4);
        }
    }

    [Fact]
    public void BatchNorm_running_statistics_are_state_not_trained()
    {
        var model = Compile(Model("[5]", "{}"));

        Assert.Equal(
            [("bn.gamma", true), ("bn.beta", true), ("bn.running_mean", false), ("bn.running_var", false)],
            model.Parameters.Select(p => (p.Name, p.Spec.Trainable)));
    }

    [Fact]
    public void BatchNorm_in_evaluation_normalizes_with_the_running_statistics()
    {
        // Channel c: gamma 2, beta 1, running mean c, running variance 4: y = 2 (x - c) / sqrt(4 + eps) + 1.
        var model = Compile(Model("[3]", """{"epsilon": 0.01}"""));
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, maxBatch: 2, seed: 1, training: false);
        var parameters = new float[model.ParameterCount];
        foreach (var p in model.Parameters)
        {
            for (var c = 0; c < 3; c++)
            {
                parameters[p.Offset + c] = p.Name switch
                {
                    "bn.gamma" => 2f,
                    "bn.beta" => 1f,
                    "bn.running_mean" => c,
                    _ => 4f,
                };
            }
        }

        backend.Upload(parameters, executor.Parameters);
        float[] x = [0f, 1f, 2f, 5f, -1f, 0.5f];
        executor.SetBatch(x, new float[6], 2);
        executor.Forward();

        var y = Download(backend, executor.Value(ValueIndex(model, "bn")));
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal((2 * (x[i] - (i % 3)) / Math.Sqrt(4.01)) + 1, y[i], 1e-5);
        }

        // Evaluation leaves the running statistics alone.
        Assert.Equal(parameters, Download(backend, executor.Parameters));
    }

    private static string Model(string shape, string attrs) => $$"""
        {"inputs": [{"name": "x", "shape": {{shape}}}, {"name": "t", "shape": {{shape}}, "dtype": "float32", "source": "labels"}],
         "nodes": [{"id": "bn", "op": "batch_norm", "inputs": ["x"], "attrs": {{attrs}}},
                   {"id": "loss", "op": "mse", "inputs": ["bn", "t"]}],
         "loss": "loss"}
        """;

    private static float[] Parameter(CompiledModel model, CpuBackend backend, Autodiff.GraphExecutor executor, string name)
    {
        var p = model.Parameters.Single(p => p.Name == name);
        return Download(backend, executor.Parameters.Slice(p.Offset, p.Size));
    }
}
