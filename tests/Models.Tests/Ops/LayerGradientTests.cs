// The layer library's backward passes against central finite differences. Layers are 20 wide so the
// kernels' vector loops (16 floats) and their scalar tails are both exercised.
using static Dtrain.Models.Tests.Ops.LayerGradientCheck;

namespace Dtrain.Models.Tests.Ops;

public sealed class LayerGradientTests
{
    private const string WideBias = """{"type": "uniform", "scale": 0.5}""";

    [Fact]
    public void Embedding_gradient_matches_finite_differences()
    {
        // 3 examples x 4 ids from a vocabulary of 5: ids repeat, so the table gradient must sum their rows.
        var json = """
            {"inputs": [{"name": "ids", "shape": [4], "dtype": "int32", "source": "features"},
                        {"name": "t", "shape": [4, 6], "dtype": "float32", "source": "labels"}],
             "nodes": [{"id": "emb", "op": "embedding", "inputs": ["ids"], "attrs": {"vocab": 5, "dim": 6}},
                       {"id": "act", "op": "tanh", "inputs": ["emb"]},
                       {"id": "loss", "op": "mse", "inputs": ["act", "t"]}],
             "loss": "loss"}
            """;

        AssertGradientsMatchFiniteDifferences(json, seed: 1, feature: rng => rng.Next(5));
    }

    [Fact]
    public void Dropout_gradient_matches_finite_differences_through_the_same_mask() =>
        AssertGradientsMatchFiniteDifferences(Classifier(Layer("""{"id": "act", "op": "dropout", "inputs": ["fc1"], "attrs": {"rate": 0.5}}""")), seed: 2);

    [Fact]
    public void BatchNorm_gradient_matches_finite_differences_in_training_mode()
    {
        // dense -> batch_norm -> tanh: the tanh makes the loss depend on the normalized values non-linearly.
        var json = Classifier($$$"""
            {"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": 20, "bias_init": {{{WideBias}}}}},
            {"id": "bn", "op": "batch_norm", "inputs": ["fc1"]},
            {"id": "act", "op": "tanh", "inputs": ["bn"]},
            {"id": "out", "op": "dense", "inputs": ["act"], "attrs": {"units": 3, "bias_init": {{{WideBias}}}}}
            """);

        AssertGradientsMatchFiniteDifferences(json, seed: 3, batch: 8);
    }

    [Fact]
    public void BatchNorm_per_channel_gradient_matches_finite_differences_for_image_shaped_input()
    {
        // (batch, C=4, 4, 5): statistics per channel over the batch and 20 spatial positions. prelu in front
        // gives the batch norm an input that needs a gradient; mse against targets closes the graph.
        var json = """
            {"inputs": [{"name": "x", "shape": [4, 4, 5]}, {"name": "t", "shape": [4, 4, 5], "dtype": "float32", "source": "labels"}],
             "nodes": [{"id": "p", "op": "prelu", "inputs": ["x"]},
                       {"id": "bn", "op": "batch_norm", "inputs": ["p"], "attrs": {"epsilon": 1e-3}},
                       {"id": "act", "op": "tanh", "inputs": ["bn"]},
                       {"id": "loss", "op": "mse", "inputs": ["act", "t"]}],
             "loss": "loss"}
            """;

        AssertGradientsMatchFiniteDifferences(json, seed: 4, batch: 2);
    }

    [Fact]
    public void LayerNorm_gradient_matches_finite_differences() =>
        AssertGradientsMatchFiniteDifferences(Classifier(Layer("""{"id": "act", "op": "layer_norm", "inputs": ["fc1"]}""")), seed: 5);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void LayerNorm_over_trailing_axes_gradient_matches_finite_differences(int axes)
    {
        var json = $$$"""
            {"inputs": [{"name": "x", "shape": [3, 20]}, {"name": "t", "shape": [3, 20], "dtype": "float32", "source": "labels"}],
             "nodes": [{"id": "p", "op": "prelu", "inputs": ["x"]},
                       {"id": "ln", "op": "layer_norm", "inputs": ["p"], "attrs": {"axes": {{{axes}}}} },
                       {"id": "act", "op": "tanh", "inputs": ["ln"]},
                       {"id": "loss", "op": "mse", "inputs": ["act", "t"]}],
             "loss": "loss"}
            """;

        AssertGradientsMatchFiniteDifferences(json, seed: 6, batch: 2);
    }

    [Fact]
    public void Linear_gradient_matches_finite_differences() =>
        AssertGradientsMatchFiniteDifferences(Classifier(Layer("""{"id": "act", "op": "linear", "inputs": ["fc1"]}""")), seed: 7);

    [Fact]
    public void LeakyRelu_gradient_matches_finite_differences()
    {
        var json = Classifier(Layer("""{"id": "act", "op": "leaky_relu", "inputs": ["fc1"], "attrs": {"alpha": 0.1}}"""));

        AssertGradientsMatchFiniteDifferences(json, SeedAwayFromKink(json, "fc1"));
    }

    [Fact]
    public void Prelu_gradient_matches_finite_differences()
    {
        var json = Classifier(Layer("""{"id": "act", "op": "prelu", "inputs": ["fc1"]}"""));

        AssertGradientsMatchFiniteDifferences(json, SeedAwayFromKink(json, "fc1"));
    }

    [Fact]
    public void Prelu_per_channel_gradient_matches_finite_differences_for_image_shaped_input()
    {
        // The slope of each of 3 channels sums over 20 positions per example; a dense layer first makes the
        // values cross zero only where the seed allows, and tanh + mse close the graph.
        var json = """
            {"inputs": [{"name": "x", "shape": [3, 20]}, {"name": "t", "shape": [3, 20], "dtype": "float32", "source": "labels"}],
             "nodes": [{"id": "ln", "op": "layer_norm", "inputs": ["x"]},
                       {"id": "act", "op": "prelu", "inputs": ["ln"], "attrs": {"slope_init": {"type": "uniform", "scale": 0.5}}},
                       {"id": "loss", "op": "mse", "inputs": ["act", "t"]}],
             "loss": "loss"}
            """;

        AssertGradientsMatchFiniteDifferences(json, SeedAwayFromKink(json, "ln", batch: 2), batch: 2);
    }

    [Fact]
    public void Elu_gradient_matches_finite_differences()
    {
        // alpha != 1 puts a kink at 0 (slopes 1 and alpha), so stay clear of it as for relu.
        var json = Classifier(Layer("""{"id": "act", "op": "elu", "inputs": ["fc1"], "attrs": {"alpha": 0.7}}"""));

        AssertGradientsMatchFiniteDifferences(json, SeedAwayFromKink(json, "fc1"));
    }

    [Fact]
    public void Softmax_gradient_matches_finite_differences()
    {
        var json = Classifier($$$"""
            {"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": 20, "weight_init": {"type": "normal", "scale": 1.0}, "bias_init": {{{WideBias}}}}},
            {"id": "act", "op": "softmax", "inputs": ["fc1"]},
            {"id": "out", "op": "dense", "inputs": ["act"], "attrs": {"units": 3, "weight_init": {"type": "normal", "scale": 3.0} }}
            """);

        AssertGradientsMatchFiniteDifferences(json, seed: 8);
    }

    [Fact]
    public void BinaryCrossEntropy_gradient_matches_finite_differences()
    {
        var json = $$$"""
            {"inputs": [{"name": "x", "shape": [4]}, {"name": "t", "shape": [20], "dtype": "float32", "source": "labels"}],
             "nodes": [{"id": "out", "op": "dense", "inputs": ["x"], "attrs": {"units": 20, "weight_init": {"type": "normal", "scale": 2.0}, "bias_init": {{{WideBias}}}}},
                       {"id": "loss", "op": "binary_cross_entropy", "inputs": ["out", "t"]}],
             "loss": "loss"}
            """;

        AssertGradientsMatchFiniteDifferences(json, seed: 9, label: rng => (float)rng.NextDouble());
    }

    [Fact]
    public void BinaryCrossEntropy_gradient_reaches_computed_targets()
    {
        // Targets from a sigmoid branch lie in (0, 1) and depend on parameters: d(loss)/d(target) = -z / count.
        var json = $$$"""
            {"inputs": [{"name": "x", "shape": [4]}, {"name": "y", "shape": [], "dtype": "int32"}],
             "nodes": [{"id": "z", "op": "dense", "inputs": ["x"], "attrs": {"units": 5, "bias_init": {{{WideBias}}}}},
                       {"id": "fc", "op": "dense", "inputs": ["x"], "attrs": {"units": 5, "bias_init": {{{WideBias}}}}},
                       {"id": "t", "op": "sigmoid", "inputs": ["fc"]},
                       {"id": "loss", "op": "binary_cross_entropy", "inputs": ["z", "t"]}],
             "loss": "loss", "output": "z"}
            """;

        AssertGradientsMatchFiniteDifferences(json, seed: 10);
    }

    [Theory]
    [InlineData("relu", true)]
    [InlineData("relu", false)]
    [InlineData("sigmoid", true)]
    [InlineData("tanh", false)]
    public void Dense_with_a_fused_activation_gradient_matches_finite_differences_and_the_unfused_layers(string activation, bool bias)
    {
        // Two fused layers back to back, so dx of the second (through its activation) reaches the first; the twin
        // spells the same model with separate activation nodes (same parameters in the same order).
        var useBias = bias ? "true" : "false";

        // ReLU's layers are narrow so that some seed keeps every pre-activation off its kink (see below).
        var units = activation == "relu" ? 6 : 20;
        var fused = Classifier($$$"""
            {"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": {{{units}}}, "activation": "{{{activation}}}", "use_bias": {{{useBias}}}, "weight_init": {"type": "uniform", "scale": 0.25} } },
            {"id": "fc2", "op": "dense", "inputs": ["fc1"], "attrs": {"units": {{{units}}}, "activation": "{{{activation}}}", "bias_init": {{{WideBias}}}}},
            {"id": "out", "op": "dense", "inputs": ["fc2"], "attrs": {"units": 3, "bias_init": {{{WideBias}}}}}
            """);
        var twin = Classifier($$$"""
            {"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": {{{units}}}, "use_bias": {{{useBias}}}, "weight_init": {"type": "uniform", "scale": 0.25} } },
            {"id": "a1", "op": "{{{activation}}}", "inputs": ["fc1"]},
            {"id": "fc2", "op": "dense", "inputs": ["a1"], "attrs": {"units": {{{units}}}, "bias_init": {{{WideBias}}}}},
            {"id": "a2", "op": "{{{activation}}}", "inputs": ["fc2"]},
            {"id": "out", "op": "dense", "inputs": ["a2"], "attrs": {"units": 3, "bias_init": {{{WideBias}}}}}
            """);

        // ReLU's kink: pick a seed whose pre-activations (the twin's dense outputs) all sit away from 0. fc1's small
        // weights keep its outputs within [-1, 1], so nudging a weight of fc2 moves fc2's values by at most one step.
        var seed = activation == "relu" ? SeedAwayFromKink(twin, ["fc1", "fc2"]) : 11;

        Assert.Equal(ForwardValue(twin, seed, "out"), ForwardValue(fused, seed, "out"));
        AssertGradientsMatchFiniteDifferences(fused, seed);
    }

    /// <summary>dense 20 -> <paramref name="node"/> (id "act") -> dense 3 "out".</summary>
    private static string Layer(string node) => $$$"""
        {"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": 20, "bias_init": {{{WideBias}}}}},
        {{{node}}},
        {"id": "out", "op": "dense", "inputs": ["act"], "attrs": {"units": 3, "bias_init": {{{WideBias}}}}}
        """;

    /// <summary>A 3-class classifier: x (batch, 4) through <paramref name="nodes"/> (ending in "out") to softmax cross-entropy.</summary>
    private static string Classifier(string nodes) => $$$"""
        {"inputs": [{"name": "x", "shape": [4]}, {"name": "y", "shape": [], "dtype": "int32"}],
         "nodes": [{{{nodes}}},
                   {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["out", "y"]}],
         "loss": "loss"}
        """;
}
