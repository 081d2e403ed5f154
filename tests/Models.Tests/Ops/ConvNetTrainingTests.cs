// A tiny convolutional network trained end to end through GraphExecutor and Adam: it must learn to tell
// vertical from horizontal bars at any position, which no linear model of the pixels can (summed over the
// 8 rows and the 8 columns, its scores would have to be both above and below the same threshold).
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using Dtrain.Models.Optimizers;

namespace Dtrain.Models.Tests.Ops;

public sealed class ConvNetTrainingTests
{
    private const int Side = 8;
    private const int Batch = 32;

    private const string Model = """
        {"inputs": [{"name": "x", "shape": [1, 8, 8]}, {"name": "y", "shape": [], "dtype": "int32"}],
         "nodes": [{"id": "conv", "op": "conv2d", "inputs": ["x"], "attrs": {"filters": 2, "kernel": 3, "padding": 1}},
                   {"id": "act", "op": "relu", "inputs": ["conv"]},
                   {"id": "pool", "op": "max_pool2d", "inputs": ["act"], "attrs": {"size": 2}},
                   {"id": "flat", "op": "flatten", "inputs": ["pool"]},
                   {"id": "out", "op": "dense", "inputs": ["flat"], "attrs": {"units": 2}},
                   {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["out", "y"]}],
         "loss": "loss"}
        """;

    [Fact]
    public void Tiny_conv_net_learns_bar_orientation()
    {
        var model = ModelCompiler.Compile(ModelParser.Parse(Model, "bars.json"));
        using var backend = new CpuBackend(threads: 2);
        using var executor = new GraphExecutor(model, backend, Batch, training: true);
        backend.Upload(model.InitialParameters(seed: 3), executor.Parameters);
        var adam = new Adam(learningRate: 0.02f);
        var (m, v) = (new float[model.ParameterCount], new float[model.ParameterCount]);
        var rng = new Random(5);
        var (features, labels) = (new float[Batch * Side * Side], new float[Batch]);

        for (var step = 1; step <= 150; step++)
        {
            Bars(rng, features, labels);
            executor.SetBatch(features, labels, Batch);
            executor.Forward();
            executor.Backward();
            adam.Apply(CpuBackend.Span(executor.Parameters), CpuBackend.Span(executor.Gradients), m, v, step);
        }

        var correct = 0;
        for (var test = 0; test < 8; test++)
        {
            Bars(rng, features, labels);
            executor.SetBatch(features, labels, Batch);
            executor.Forward();
            correct += executor.CountCorrect();
        }

        Assert.True(correct >= 0.95 * 8 * Batch, $"{correct} of {8 * Batch} held-out images classified correctly");
    }

    /// <summary>Noisy 8x8 images, each with one bar at a random row (label 1) or column (label 0).</summary>
    private static void Bars(Random rng, float[] features, float[] labels)
    {
        for (var b = 0; b < labels.Length; b++)
        {
            var horizontal = rng.Next(2) == 1;
            var at = rng.Next(Side);
            labels[b] = horizontal ? 1f : 0f;
            for (var i = 0; i < Side * Side; i++)
            {
                var onBar = horizontal ? i / Side == at : i % Side == at;
                features[(b * Side * Side) + i] = (onBar ? 1f : 0f) + (float)(rng.NextDouble() * 0.4);
            }
        }
    }
}
