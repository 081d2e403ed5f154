// dropout's behaviour: identity in evaluation, inverted dropout in training, a mask shared by forward and
// backward, and masks that repeat exactly for a seed and step.
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using static Dtrain.Models.Tests.Ops.LayerGradientCheck;

namespace Dtrain.Models.Tests.Ops;

public sealed class DropoutTests
{
    private const int Width = 4000;
    private const int Batch = 2;
    private const float Rate = 0.3f;

    // prelu on positive inputs is the identity, and gives the dropout an input that needs a gradient.
    private static readonly string Json = $$"""
        {"inputs": [{"name": "x", "shape": [{{Width}}]}, {"name": "t", "shape": [{{Width}}], "dtype": "float32", "source": "labels"}],
         "nodes": [{"id": "p", "op": "prelu", "inputs": ["x"]},
                   {"id": "drop", "op": "dropout", "inputs": ["p"], "attrs": {"rate": {{Rate}} } },
                   {"id": "loss", "op": "mse", "inputs": ["drop", "t"]}],
         "loss": "loss"}
        """;

    private static readonly CompiledModel Model = Compile(Json);

    [Fact]
    public void Dropout_in_evaluation_is_the_identity()
    {
        var (x, output, _) = Run(training: false, seed: 1);

        Assert.Equal(x, output);
    }

    [Fact]
    public void Dropout_in_training_zeros_about_rate_of_elements_and_scales_the_rest()
    {
        var (x, output, _) = Run(training: true, seed: 2);

        // 8000 draws: the dropped fraction's standard deviation is sqrt(0.3 * 0.7 / 8000) = 0.005.
        var dropped = output.Count(v => v == 0f) / (double)output.Length;
        Assert.InRange(dropped, Rate - 0.02, Rate + 0.02);
        for (var i = 0; i < x.Length; i++)
        {
            if (output[i] != 0f)
            {
                Assert.Equal(x[i] / (1f - Rate), output[i], x[i] * 1e-6f);
            }
        }
    }

    [Fact]
    public void Dropout_gradient_uses_the_forward_mask()
    {
        var (x, output, (dy, dx)) = Run(training: true, seed: 3, backward: true);

        // dx = dy * mask, and the forward mask is output / x.
        for (var i = 0; i < x.Length; i++)
        {
            Assert.Equal(dy[i] * output[i] / x[i], dx[i], 1e-6f);
        }
    }

    [Fact]
    public void Dropout_mask_repeats_for_the_same_seed_and_step_and_changes_with_either()
    {
        var (_, first, _) = Run(training: true, seed: 4, executorSeed: 11);
        var (_, again, _) = Run(training: true, seed: 4, executorSeed: 11);
        var (_, otherSeed, _) = Run(training: true, seed: 4, executorSeed: 12);
        var (_, nextStep, _) = Run(training: true, seed: 4, executorSeed: 11, steps: 2);

        Assert.Equal(first, again);
        Assert.NotEqual(first, otherSeed);
        Assert.NotEqual(first, nextStep);
    }

    /// <summary>Forward (and backward) at step <paramref name="steps"/>: the input, dropout's output, and its (dy, dx).</summary>
    private static (float[] X, float[] Output, (float[] Dy, float[] Dx) Gradients) Run(bool training, int seed, ulong executorSeed = 7, int steps = 1, bool backward = false)
    {
        var (features, labels) = Examples(Model, Batch, seed, feature: rng => 0.5f + (float)rng.NextDouble());
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(Model, backend, Batch, seed, training);
        executor.Seed = executorSeed;
        executor.SetBatch(features, labels, Batch);
        for (var s = 0; s < steps; s++)
        {
            executor.Forward();
        }

        var output = Download(backend, executor.Value(ValueIndex(Model, "drop")));
        if (!backward)
        {
            return (features, output, ([], []));
        }

        executor.Backward();
        var dy = Download(backend, executor.Gradient(ValueIndex(Model, "drop")));
        var dx = Download(backend, executor.Gradient(ValueIndex(Model, "p")));
        return (features, output, (dy, dx));
    }
}
