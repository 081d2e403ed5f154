// Every op's backward pass, run by GraphExecutor on the CPU backend, checked against central finite differences
// of the loss: for every parameter and for every element of every intermediate value the loss depends on.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

using static Dtrain.Models.Tests.Ops.LayerGradientCheck;

namespace Dtrain.Models.Tests.Ops;

public sealed class GradientCheckTests
{
    private const int Batch = 3;

    // Float losses near 1 carry ~1e-7 of rounding; over a step of 2e-2 that is ~1e-5, and the O(eps^2)
    // truncation error of the central difference is of the same order for these smooth functions.

    private const string WideBias = """{"type": "uniform", "scale": 0.5}""";

    [Fact]
    public void Dense_gradient_matches_finite_differences()
    {
        // Two dense layers back to back, so the first one's output gradient (dx of the second) is checked too.
        var json = Classifier($$$"""
            {"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": 5, "bias_init": {{{WideBias}}}}},
            {"id": "out", "op": "dense", "inputs": ["fc1"], "attrs": {"units": 3, "bias_init": {{{WideBias}}}}}
            """);

        AssertGradientsMatchFiniteDifferences(json, seed: 1);
    }

    [Fact]
    public void Dense_without_bias_gradient_matches_finite_differences()
    {
        var json = Classifier("""
            {"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": 5, "use_bias": false}},
            {"id": "out", "op": "dense", "inputs": ["fc1"], "attrs": {"units": 3, "use_bias": false}}
            """);
        Assert.Equal(["fc1.weight", "out.weight"], Compile(json).Parameters.Select(p => p.Name));

        AssertGradientsMatchFiniteDifferences(json, seed: 2);
    }

    [Fact]
    public void Relu_gradient_matches_finite_differences()
    {
        var json = Classifier(Activation("relu"));

        // Finite differences are meaningless across the kink at 0: use the first seed whose
        // pre-activations all sit well clear of it, with both signs present.
        var seed = Enumerable.Range(0, 100).First(s =>
        {
            var z = ForwardValue(json, s, "fc1");
            return z.Min(MathF.Abs) > 0.1f && z.Any(v => v < 0) && z.Any(v => v > 0);
        });

        AssertGradientsMatchFiniteDifferences(json, seed);
    }

    [Fact]
    public void Sigmoid_gradient_matches_finite_differences() =>
        AssertGradientsMatchFiniteDifferences(Classifier(Activation("sigmoid")), seed: 3);

    [Fact]
    public void Tanh_gradient_matches_finite_differences() =>
        AssertGradientsMatchFiniteDifferences(Classifier(Activation("tanh")), seed: 4);

    [Fact]
    public void SoftmaxCrossEntropy_gradient_matches_finite_differences()
    {
        var json = Classifier($$$"""
            {"id": "out", "op": "dense", "inputs": ["x"], "attrs": {"units": 3, "weight_init": {"type": "normal", "scale": 1.0}, "bias_init": {{{WideBias}}}}}
            """);

        AssertGradientsMatchFiniteDifferences(json, seed: 5);
    }

    [Fact]
    public void MeanSquaredError_gradient_matches_finite_differences()
    {
        var json = $$$"""
            {"inputs": [{"name": "x", "shape": [4]}, {"name": "t", "shape": [2], "dtype": "float32", "source": "labels"}],
             "nodes": [{"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": 5, "bias_init": {{{WideBias}}}}},
                       {"id": "act", "op": "tanh", "inputs": ["fc1"]},
                       {"id": "out", "op": "dense", "inputs": ["act"], "attrs": {"units": 2, "bias_init": {{{WideBias}}}}},
                       {"id": "loss", "op": "mse", "inputs": ["out", "t"]}],
             "loss": "loss"}
            """;

        AssertGradientsMatchFiniteDifferences(json, seed: 6);
    }

    [Fact]
    public void Gradients_from_two_consumers_of_one_value_add_up()
    {
        // fc1 fans out to tanh and sigmoid, and mse joins the branches: both of its inputs depend on parameters.
        var json = $$$"""
            {"inputs": [{"name": "x", "shape": [4]}, {"name": "y", "shape": [], "dtype": "int32"}],
             "nodes": [{"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": 5, "bias_init": {{{WideBias}}}}},
                       {"id": "a", "op": "tanh", "inputs": ["fc1"]},
                       {"id": "b", "op": "sigmoid", "inputs": ["fc1"]},
                       {"id": "loss", "op": "mse", "inputs": ["a", "b"]}],
             "loss": "loss"}
            """;

        AssertGradientsMatchFiniteDifferences(json, seed: 7);
    }

    [Fact]
    public void Backward_with_accumulate_adds_to_the_previous_gradients()
    {
        var json = Classifier(Activation("tanh"));
        var model = Compile(json);
        var (features, labels) = Examples(model, Batch, seed: 8);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, Batch, seed: 8);
        executor.SetBatch(features, labels, Batch);

        executor.Forward();
        executor.Backward();
        var once = Download(backend, executor.Gradients);
        executor.Forward();
        executor.Backward(accumulate: true);
        var twice = Download(backend, executor.Gradients);

        Assert.Contains(once, g => g != 0f);
        for (var i = 0; i < once.Length; i++)
        {
            Assert.Equal(2 * once[i], twice[i], 1e-6f);
        }
    }

    [Fact]
    public void Smaller_batch_gives_the_gradient_of_an_executor_built_for_that_batch()
    {
        var json = Classifier(Activation("sigmoid"));
        var model = Compile(json);
        var (features, labels) = Examples(model, 8, seed: 9);
        using var backend = new CpuBackend(threads: 1);
        using var large = Executor(model, backend, maxBatch: 8, seed: 9);
        using var exact = Executor(model, backend, maxBatch: Batch, seed: 9);

        // A full batch first, so stale rows past the prefix would show if a kernel read them.
        large.SetBatch(features, labels, 8);
        large.Forward();
        large.Backward();
        large.SetBatch(features, labels, Batch);
        large.Forward();
        large.Backward();
        exact.SetBatch(features, labels, Batch);
        exact.Forward();
        exact.Backward();

        Assert.Equal(exact.ReadLoss(), large.ReadLoss(), 1e-6f);
        var expected = Download(backend, exact.Gradients);
        var actual = Download(backend, large.Gradients);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-6f);
        }
    }

    private static string Activation(string op) => $$$"""
        {"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": 5, "bias_init": {{{WideBias}}}}},
        {"id": "act", "op": "{{{op}}}", "inputs": ["fc1"]},
        {"id": "out", "op": "dense", "inputs": ["act"], "attrs": {"units": 3, "bias_init": {{{WideBias}}}}}
        """;

    /// <summary>A 3-class classifier: x (batch, 4) through <paramref name="nodes"/> (ending in "out") to softmax cross-entropy.</summary>
    private static string Classifier(string nodes) => $$$"""
        {"inputs": [{"name": "x", "shape": [4]}, {"name": "y", "shape": [], "dtype": "int32"}],
         "nodes": [{{{nodes}}},
                   {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["out", "y"]}],
         "loss": "loss"}
        """;

    private static CompiledModel Compile(string json) => ModelCompiler.Compile(ModelParser.Parse(json, "check.json"));

    private static float[] ForwardValue(string json, int seed, string value)
    {
        var model = Compile(json);
        var (features, labels) = Examples(model, Batch, seed);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, Batch, seed);
        executor.SetBatch(features, labels, Batch);
        executor.Forward();
        return Download(backend, executor.Value(model.Values.Select((v, i) => (v, i)).Single(p => p.v.Name == value).i));
    }

}
