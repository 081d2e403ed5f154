// The image ops (conv2d, max_pool2d, avg_pool2d, flatten, reshape) run by GraphExecutor on the CPU backend:
// backward checked against central finite differences of the loss, for every parameter and every element of
// every intermediate value; and each op's shape errors, which must name the node and the shapes.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

using static Dtrain.Models.Tests.Ops.LayerGradientCheck;

namespace Dtrain.Models.Tests.Ops;

public sealed class ImageOpGradientTests
{
    private const int Batch = 3;

    // As in GradientCheckTests: float rounding over a step of 2e-2 and the O(eps^2) truncation error are ~1e-5.

    private const string WideBias = """{"type": "uniform", "scale": 0.5}""";

    [Fact]
    public void Conv2d_gradient_matches_finite_differences()
    {
        // Two convolutions, so the first one's output gradient (dx of the second, through col2im) is checked too.
        var json = Classifier([2, 5, 5], $$$"""
            {"id": "c1", "op": "conv2d", "inputs": ["x"], "attrs": {"filters": 3, "kernel": 3, "padding": 1, "bias_init": {{{WideBias}}}}},
            {"id": "a1", "op": "tanh", "inputs": ["c1"]},
            {"id": "c2", "op": "conv2d", "inputs": ["a1"], "attrs": {"filters": 2, "kernel": 3, "stride": 2, "bias_init": {{{WideBias}}}}},
            {"id": "flat", "op": "flatten", "inputs": ["c2"]},
            {"id": "out", "op": "dense", "inputs": ["flat"], "attrs": {"units": 3}}
            """);
        Assert.Equal([2, 2, 2], Shape(json, "c2"));

        AssertGradientsMatchFiniteDifferences(json, seed: 11);
    }

    [Theory]
    [InlineData("tanh")]
    [InlineData("sigmoid")]
    public void Conv2d_with_a_fused_activation_gradient_matches_finite_differences_and_the_unfused_layers(string activation)
    {
        // The same two convolutions with the activation fused into the first (and the second), against the twin
        // that spells them as separate nodes: same parameters in the same order, so the same values.
        var fused = Classifier([2, 5, 5], $$$"""
            {"id": "c1", "op": "conv2d", "inputs": ["x"], "attrs": {"filters": 3, "kernel": 3, "padding": 1, "activation": "{{{activation}}}", "bias_init": {{{WideBias}}}}},
            {"id": "c2", "op": "conv2d", "inputs": ["c1"], "attrs": {"filters": 2, "kernel": 3, "stride": 2, "activation": "{{{activation}}}", "bias_init": {{{WideBias}}}}},
            {"id": "flat", "op": "flatten", "inputs": ["c2"]},
            {"id": "out", "op": "dense", "inputs": ["flat"], "attrs": {"units": 3}}
            """);
        var twin = Classifier([2, 5, 5], $$$"""
            {"id": "c1", "op": "conv2d", "inputs": ["x"], "attrs": {"filters": 3, "kernel": 3, "padding": 1, "bias_init": {{{WideBias}}}}},
            {"id": "a1", "op": "{{{activation}}}", "inputs": ["c1"]},
            {"id": "c2", "op": "conv2d", "inputs": ["a1"], "attrs": {"filters": 2, "kernel": 3, "stride": 2, "bias_init": {{{WideBias}}}}},
            {"id": "a2", "op": "{{{activation}}}", "inputs": ["c2"]},
            {"id": "flat", "op": "flatten", "inputs": ["a2"]},
            {"id": "out", "op": "dense", "inputs": ["flat"], "attrs": {"units": 3}}
            """);

        Assert.Equal(ForwardValue(twin, 11, "out"), ForwardValue(fused, 11, "out"));
        AssertGradientsMatchFiniteDifferences(fused, seed: 11);
    }

    [Fact]
    public void Conv2d_with_rectangular_kernel_stride_and_padding_gradient_matches_finite_differences()
    {
        // Unequal kernel, stride and padding per axis catch any height/width mix-up in im2col or col2im.
        var json = Classifier([2, 6, 5], """
            {"id": "c1", "op": "conv2d", "inputs": ["x"], "attrs": {"filters": 2, "kernel": [2, 3], "padding": [0, 1]}},
            {"id": "a1", "op": "tanh", "inputs": ["c1"]},
            {"id": "c2", "op": "conv2d", "inputs": ["a1"], "attrs": {"filters": 3, "kernel": [3, 2], "stride": [2, 1], "padding": [1, 0], "use_bias": false}},
            {"id": "flat", "op": "flatten", "inputs": ["c2"]},
            {"id": "out", "op": "dense", "inputs": ["flat"], "attrs": {"units": 3}}
            """);
        Assert.Equal([2, 5, 5], Shape(json, "c1"));
        Assert.Equal([3, 3, 4], Shape(json, "c2"));
        Assert.DoesNotContain(Compile(json).Parameters, p => p.Name == "c2.bias");

        AssertGradientsMatchFiniteDifferences(json, seed: 12);
    }

    [Fact]
    public void Conv2d_1x1_gradient_matches_finite_differences()
    {
        // A pointwise kernel skips im2col and multiplies the image itself.
        var json = Classifier([3, 2, 2], $$$"""
            {"id": "c0", "op": "conv2d", "inputs": ["x"], "attrs": {"filters": 2, "kernel": 2, "padding": 1, "bias_init": {{{WideBias}}}}},
            {"id": "a0", "op": "tanh", "inputs": ["c0"]},
            {"id": "c1", "op": "conv2d", "inputs": ["a0"], "attrs": {"filters": 4, "kernel": 1, "bias_init": {{{WideBias}}}}},
            {"id": "flat", "op": "flatten", "inputs": ["c1"]},
            {"id": "out", "op": "dense", "inputs": ["flat"], "attrs": {"units": 3}}
            """);

        AssertGradientsMatchFiniteDifferences(json, seed: 13);
    }

    [Fact]
    public void MaxPool2d_2x2_gradient_matches_finite_differences()
    {
        // 2x2 stride 2 over even planes is the vectorized kernel; 16 columns exercise its 16-wide steps.
        var json = Classifier([1, 4, 16], $$$"""
            {"id": "c1", "op": "conv2d", "inputs": ["x"], "attrs": {"filters": 2, "kernel": 3, "padding": 1, "bias_init": {{{WideBias}}}}},
            {"id": "p1", "op": "max_pool2d", "inputs": ["c1"], "attrs": {"size": 2}},
            {"id": "flat", "op": "flatten", "inputs": ["p1"]},
            {"id": "out", "op": "dense", "inputs": ["flat"], "attrs": {"units": 3}}
            """);
        Assert.Equal([2, 2, 8], Shape(json, "p1"));

        AssertGradientsMatchFiniteDifferences(json, ClearWinnersSeed(json, "c1", size: 2, stride: 2, pad: 0));
    }

    [Fact]
    public void MaxPool2d_with_overlapping_padded_windows_gradient_matches_finite_differences()
    {
        // 3x3 windows at stride 2 overlap, so one input can win two windows and its gradients add up.
        var json = Classifier([2, 5, 5], $$$"""
            {"id": "c1", "op": "conv2d", "inputs": ["x"], "attrs": {"filters": 2, "kernel": 3, "padding": 1, "bias_init": {{{WideBias}}}}},
            {"id": "p1", "op": "max_pool2d", "inputs": ["c1"], "attrs": {"size": 3, "stride": 2, "padding": 1}},
            {"id": "flat", "op": "flatten", "inputs": ["p1"]},
            {"id": "out", "op": "dense", "inputs": ["flat"], "attrs": {"units": 3}}
            """);
        Assert.Equal([2, 3, 3], Shape(json, "p1"));

        AssertGradientsMatchFiniteDifferences(json, ClearWinnersSeed(json, "c1", size: 3, stride: 2, pad: 1));
    }

    [Fact]
    public void AvgPool2d_gradient_matches_finite_differences()
    {
        // Padded, overlapping windows: border windows average fewer positions.
        var json = Classifier([2, 5, 5], $$$"""
            {"id": "c1", "op": "conv2d", "inputs": ["x"], "attrs": {"filters": 2, "kernel": 3, "padding": 1, "bias_init": {{{WideBias}}}}},
            {"id": "p1", "op": "avg_pool2d", "inputs": ["c1"], "attrs": {"size": [3, 2], "stride": [2, 1], "padding": [1, 1]}},
            {"id": "p2", "op": "avg_pool2d", "inputs": ["p1"], "attrs": {"size": 2}},
            {"id": "flat", "op": "flatten", "inputs": ["p2"]},
            {"id": "out", "op": "dense", "inputs": ["flat"], "attrs": {"units": 3}}
            """);
        Assert.Equal([2, 3, 6], Shape(json, "p1"));
        Assert.Equal([2, 1, 3], Shape(json, "p2"));

        AssertGradientsMatchFiniteDifferences(json, seed: 14);
    }

    [Fact]
    public void AvgPool2d_divides_by_the_positions_inside_the_image()
    {
        // A 1x3 image of ones pooled 2 wide with padding 1: windows [pad, 1] and [1, 1] both average to 1.
        var json = Classifier([1, 1, 3], """
            {"id": "p1", "op": "avg_pool2d", "inputs": ["x"], "attrs": {"size": [1, 2], "padding": [0, 1]}},
            {"id": "flat", "op": "flatten", "inputs": ["p1"]},
            {"id": "out", "op": "dense", "inputs": ["flat"], "attrs": {"units": 3}}
            """);
        var model = Compile(json);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, 1, seed: 1);
        executor.SetBatch([1f, 1f, 1f], [0f], 1);

        executor.Forward();

        Assert.Equal([1f, 1f], Download(backend, executor.Value(ValueIndex(model, "p1"))));
    }

    [Fact]
    public void Reshape_gradient_matches_finite_differences()
    {
        // A flat input reshaped to an image (with -1 inferred), convolved, and flattened back.
        var json = $$$"""
            {"inputs": [{"name": "x", "shape": [12]}, {"name": "y", "shape": [], "dtype": "int32"}],
             "nodes": [{"id": "fc0", "op": "dense", "inputs": ["x"], "attrs": {"units": 12, "bias_init": {{{WideBias}}}}},
                       {"id": "img", "op": "reshape", "inputs": ["fc0"], "attrs": {"shape": [3, -1, 2]}},
                       {"id": "c1", "op": "conv2d", "inputs": ["img"], "attrs": {"filters": 2, "kernel": 2}},
                       {"id": "flat", "op": "flatten", "inputs": ["c1"]},
                       {"id": "out", "op": "dense", "inputs": ["flat"], "attrs": {"units": 3}},
                       {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["out", "y"]}],
             "loss": "loss"}
            """;
        Assert.Equal([3, 2, 2], Shape(json, "img"));

        AssertGradientsMatchFiniteDifferences(json, seed: 15);
    }

    [Fact]
    public void Conv2d_on_a_flat_input_names_the_node_and_the_shape()
    {
        var error = CompileFails(Classifier([12], """
            {"id": "conv", "op": "conv2d", "inputs": ["x"], "attrs": {"filters": 2, "kernel": 3}},
            {"id": "out", "op": "dense", "inputs": ["conv"], "attrs": {"units": 3}}
            """), "conv");

        Assert.Contains("(batch, channels, height, width)", error.Message);
        Assert.Contains("(batch, 12)", error.Message);
    }

    [Fact]
    public void Conv2d_kernel_larger_than_the_padded_input_names_the_node_and_both_sizes()
    {
        var error = CompileFails(Classifier([1, 4, 4], """
            {"id": "conv", "op": "conv2d", "inputs": ["x"], "attrs": {"filters": 2, "kernel": [7, 3], "padding": 1}},
            {"id": "flat", "op": "flatten", "inputs": ["conv"]},
            {"id": "out", "op": "dense", "inputs": ["flat"], "attrs": {"units": 3}}
            """), "conv");

        Assert.Contains("kernel 7x3 is larger than the padded input 6x6", error.Message);
        Assert.Contains("(batch, 1, 4, 4)", error.Message);
    }

    [Theory]
    [InlineData("""{"kernel": 3}""", "missing required attribute 'filters'")]
    [InlineData("""{"filters": 2}""", "missing required attribute 'kernel'")]
    [InlineData("""{"filters": 2, "kernel": [3, 3, 3]}""", "attribute 'kernel' must be an integer or a [height, width] pair")]
    [InlineData("""{"filters": 2, "kernel": 3, "stride": 0}""", "attribute 'stride' must be an integer or a [height, width] pair, each at least 1")]
    [InlineData("""{"filters": 2, "kernel": 3, "padding": -1}""", "attribute 'padding' must be an integer or a [height, width] pair, each non-negative")]
    public void Conv2d_bad_attribute_names_the_node_and_the_attribute(string attrs, string expected)
    {
        var error = CompileFails(Classifier([1, 4, 4], $$$"""
            {"id": "conv", "op": "conv2d", "inputs": ["x"], "attrs": {{{attrs}}}},
            {"id": "flat", "op": "flatten", "inputs": ["conv"]},
            {"id": "out", "op": "dense", "inputs": ["flat"], "attrs": {"units": 3}}
            """), "conv");

        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("max_pool2d")]
    [InlineData("avg_pool2d")]
    public void Pool_window_larger_than_the_input_names_the_node_and_both_sizes(string op)
    {
        var error = CompileFails(Classifier([2, 3, 3], $$$"""
            {"id": "pool", "op": "{{{op}}}", "inputs": ["x"], "attrs": {"size": 4}},
            {"id": "flat", "op": "flatten", "inputs": ["pool"]},
            {"id": "out", "op": "dense", "inputs": ["flat"], "attrs": {"units": 3}}
            """), "pool");

        Assert.Contains("size 4x4 is larger than the padded input 3x3", error.Message);
        Assert.Contains("(batch, 2, 3, 3)", error.Message);
    }

    [Fact]
    public void Pool_padding_as_large_as_the_window_is_reported()
    {
        var error = CompileFails(Classifier([2, 6, 6], """
            {"id": "pool", "op": "max_pool2d", "inputs": ["x"], "attrs": {"size": 2, "padding": 2}},
            {"id": "flat", "op": "flatten", "inputs": ["pool"]},
            {"id": "out", "op": "dense", "inputs": ["flat"], "attrs": {"units": 3}}
            """), "pool");

        Assert.Contains("padding 2x2 must be smaller than the size 2x2", error.Message);
    }

    [Fact]
    public void Pool_on_a_flat_input_names_the_node_and_the_shape()
    {
        var error = CompileFails(Classifier([12], """
            {"id": "pool", "op": "max_pool2d", "inputs": ["x"], "attrs": {"size": 2}},
            {"id": "out", "op": "dense", "inputs": ["pool"], "attrs": {"units": 3}}
            """), "pool");

        Assert.Contains("got (batch, 12)", error.Message);
    }

    [Theory]
    [InlineData("[5, 5]", "cannot reshape input (batch, 2, 3, 4) (24 values per example) to [5, 5]")]
    [InlineData("[5, -1]", "cannot reshape input (batch, 2, 3, 4) (24 values per example) to [5, -1]")]
    [InlineData("[-1, -1]", "at most one -1, got [-1, -1]")]
    [InlineData("[0, 24]", "positive sizes")]
    [InlineData("3", "attribute 'shape' must be a list of integers")]
    public void Reshape_that_cannot_fit_names_the_node_and_both_shapes(string shape, string expected)
    {
        var error = CompileFails(Classifier([2, 3, 4], $$$"""
            {"id": "r", "op": "reshape", "inputs": ["x"], "attrs": {"shape": {{{shape}}}}},
            {"id": "flat", "op": "flatten", "inputs": ["r"]},
            {"id": "out", "op": "dense", "inputs": ["flat"], "attrs": {"units": 3}}
            """), "r");

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Flatten_of_an_unbatched_value_names_the_node()
    {
        var json = """
            {"inputs": [{"name": "x", "shape": [4]}, {"name": "y", "shape": [], "dtype": "int32"}],
             "nodes": [{"id": "out", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}},
                       {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["out", "y"]},
                       {"id": "flat", "op": "flatten", "inputs": ["loss"]}],
             "loss": "loss"}
            """;

        var error = CompileFails(json, "flat");

        Assert.Contains("got ()", error.Message);
    }

    /// <summary>A 3-class classifier: x (batch, <paramref name="shape"/>) through <paramref name="nodes"/> (ending in "out") to softmax cross-entropy.</summary>
    private static string Classifier(int[] shape, string nodes) => $$$"""
        {"inputs": [{"name": "x", "shape": [{{{string.Join(", ", shape)}}}]}, {"name": "y", "shape": [], "dtype": "int32"}],
         "nodes": [{{{nodes}}},
                   {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["out", "y"]}],
         "loss": "loss"}
        """;

    private static CompiledModel Compile(string json) => ModelCompiler.Compile(ModelParser.Parse(json, "images.json"));

    private static ModelFileException CompileFails(string json, string node)
    {
        var error = Assert.Throws<ModelFileException>(() => Compile(json));
        Assert.Equal(node, error.Node);
        Assert.StartsWith($"images.json: node '{node}'", error.Message);
        return error;
    }

    private static int ValueIndex(CompiledModel model, string name) =>
        model.Values.Select((v, i) => (v, i)).Single(p => p.v.Name == name).i;

    private static int[] Shape(string json, string value)
    {
        var model = Compile(json);
        return model.Values[ValueIndex(model, value)].Type.Dims;
    }

    /// <summary>
    /// Finite differences are meaningless where a max changes hands: the first seed whose pooling windows over
    /// <paramref name="value"/> (square, on (C, H, W) per example) all have a winner clear of the runner-up
    /// by more than two nudges (each side may move by one step).
    /// </summary>
    private static int ClearWinnersSeed(string json, string value, int size, int stride, int pad)
    {
        var model = Compile(json);
        var dims = model.Values[ValueIndex(model, value)].Type.Dims;
        var (channels, height, width) = (dims[0], dims[1], dims[2]);
        return Enumerable.Range(0, 200).First(seed =>
        {
            var (features, labels) = Examples(model, Batch, seed);
            using var backend = new CpuBackend(threads: 1);
            using var executor = Executor(model, backend, Batch, seed);
            executor.SetBatch(features, labels, Batch);
            executor.Forward();
            var z = Download(backend, executor.Value(ValueIndex(model, value)));
            for (var plane = 0; plane < Batch * channels; plane++)
            {
                for (var oy = -pad; oy + size <= height + pad; oy += stride)
                {
                    for (var ox = -pad; ox + size <= width + pad; ox += stride)
                    {
                        var window = new List<float>();
                        for (var iy = Math.Max(oy, 0); iy < Math.Min(oy + size, height); iy++)
                        {
                            for (var ix = Math.Max(ox, 0); ix < Math.Min(ox + size, width); ix++)
                            {
                                window.Add(z[(plane * height * width) + (iy * width) + ix]);
                            }
                        }

                        window.Sort();
                        if (window.Count > 1 && window[^1] - window[^2] < 0.025f)
                        {
                            return false;
                        }
                    }
                }
            }

            return true;
        });
    }

}
