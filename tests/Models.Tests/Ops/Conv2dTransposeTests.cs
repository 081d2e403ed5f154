// conv2d_transpose: backward against central finite differences (weights, bias, and an input gradient that adds to
// another consumer's), its output size, its errors, and the adjoint identity with conv2d.
using Dtrain.Models.Backends;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;
using static Dtrain.Models.Tests.Ops.LayerGradientCheck;

namespace Dtrain.Models.Tests.Ops;

public sealed class Conv2dTransposeTests
{
    private const string WideBias = """{"type": "uniform", "scale": 0.5}""";

    [Fact]
    public void Conv2d_transpose_with_stride_and_padding_gradient_matches_finite_differences()
    {
        // A pointwise conv2d in front gives the transposed convolution an input that needs a gradient.
        var json = Regression([2, 3, 3], 3 * 5 * 5, $$$"""
            {"id": "h", "op": "conv2d", "inputs": ["x"], "attrs": {"filters": 2, "kernel": 1, "bias_init": {{{WideBias}}} } },
            {"id": "up", "op": "conv2d_transpose", "inputs": ["h"], "attrs": {"filters": 3, "kernel": 3, "stride": 2, "padding": 1, "bias_init": {{{WideBias}}} } },
            {"id": "out", "op": "flatten", "inputs": ["up"]}
            """);
        Assert.Equal([3, 5, 5], Dims(json, "up"));

        AssertGradientsMatchFiniteDifferences(json, seed: 21);
    }

    [Fact]
    public void Conv2d_transpose_gradients_add_up_over_two_consumers_of_one_input_and_without_bias()
    {
        // Two transposed convolutions of h (rectangular kernel, stride 1, no bias): h's gradient is the sum of both.
        var json = Regression([2, 3, 4], 2 * 4 * 6, $$$"""
            {"id": "h", "op": "conv2d", "inputs": ["x"], "attrs": {"filters": 2, "kernel": 1, "bias_init": {{{WideBias}}} } },
            {"id": "a", "op": "conv2d_transpose", "inputs": ["h"], "attrs": {"filters": 2, "kernel": [2, 3], "use_bias": false} },
            {"id": "b", "op": "conv2d_transpose", "inputs": ["h"], "attrs": {"filters": 2, "kernel": [2, 3], "bias_init": {{{WideBias}}} } },
            {"id": "sum", "op": "add", "inputs": ["a", "b"]},
            {"id": "out", "op": "flatten", "inputs": ["sum"]}
            """);
        Assert.Equal([2, 4, 6], Dims(json, "a"));

        AssertGradientsMatchFiniteDifferences(json, seed: 22);
    }

    [Fact]
    public void Conv2d_transpose_upsamples_a_dcgan_feature_map_from_7_to_14_to_28()
    {
        var json = Regression([8, 7, 7], 28 * 28, """
            {"id": "up1", "op": "conv2d_transpose", "inputs": ["x"], "attrs": {"filters": 4, "kernel": 4, "stride": 2, "padding": 1} },
            {"id": "up2", "op": "conv2d_transpose", "inputs": ["up1"], "attrs": {"filters": 1, "kernel": 4, "stride": 2, "padding": 1} },
            {"id": "out", "op": "flatten", "inputs": ["up2"]}
            """);

        Assert.Equal([4, 14, 14], Dims(json, "up1"));
        Assert.Equal([1, 28, 28], Dims(json, "up2"));
    }

    [Theory]
    [InlineData(1, 0, 3)]
    [InlineData(2, 1, 4)]
    [InlineData(3, 2, 5)]
    public void Transposed_convolution_is_the_adjoint_of_conv2d(int stride, int padding, int kernel)
    {
        // <conv2d(u), v> = <u, conv2d_transpose(v)> for the same weight: the definition of the transpose. Two
        // threads with a column slot each: examples run in parallel parts.
        using var backend = new CpuBackend(threads: 2);
        var g = new Window2d(3, 9, 8, kernel, kernel, stride, stride, padding, padding);
        const int filters = 4, batch = 3;
        var rng = new Random(stride * 10 + padding);
        float[] Draw(int n) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
        var (u, v, w) = (Draw(batch * g.InputSize), Draw(batch * filters * g.OutputPlane), Draw(filters * g.PatchSize));
        var columns = Put(backend, new float[2 * g.ColumnSize]);
        var (convU, transposeV) = (Put(backend, new float[v.Length]), Put(backend, new float[u.Length]));

        backend.Conv2dForward(g, filters, batch, Put(backend, u), Put(backend, w), null, convU, columns);
        backend.Conv2dTransposeForward(g, filters, batch, Put(backend, v), Put(backend, w), transposeV, columns);

        var left = Download(backend, convU).Zip(v).Sum(p => (double)p.First * p.Second);
        var right = Download(backend, transposeV).Zip(u).Sum(p => (double)p.First * p.Second);
        Assert.Equal(left, right, 1e-3);
    }

    [Theory]
    [InlineData("""{"id": "bad", "op": "conv2d_transpose", "inputs": ["x"], "attrs": {"kernel": 3}}""", "missing required attribute 'filters'")]
    [InlineData("""{"id": "bad", "op": "conv2d_transpose", "inputs": ["flat"], "attrs": {"filters": 2, "kernel": 3}}""", "input must be (batch, channels, height, width), got (batch, 16)")]
    [InlineData("""{"id": "bad", "op": "conv2d_transpose", "inputs": ["x"], "attrs": {"filters": 2, "kernel": 1, "padding": 2}}""", "output size 0x0 is not a positive size")]
    public void Conv2d_transpose_error_names_the_node_and_the_problem(string node, string problem)
    {
        var json = $$"""
            {"inputs": [{"name": "x", "shape": [1, 4, 4]}, {"name": "y", "shape": [], "dtype": "int32"}],
             "nodes": [{"id": "flat", "op": "flatten", "inputs": ["x"]},
                       {{node}},
                       {"id": "fc", "op": "dense", "inputs": ["flat"], "attrs": {"units": 2} },
                       {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc", "y"]}],
             "loss": "loss"}
            """;

        var error = Assert.Throws<ModelFileException>(() => ModelCompiler.Compile(ModelParser.Parse(json, "transpose.json")));

        Assert.Equal("bad", error.Node);
        Assert.Contains(problem, error.Problem);
    }

    /// <summary>Image input x of <paramref name="shape"/>, <paramref name="nodes"/> ending in "out" of <paramref name="targets"/> floats, mse.</summary>
    private static string Regression(int[] shape, int targets, string nodes) => $$$"""
        {"inputs": [{"name": "x", "shape": [{{{string.Join(", ", shape)}}}]}, {"name": "t", "shape": [{{{targets}}}], "dtype": "float32", "source": "labels"}],
         "nodes": [{{{nodes}}},
                   {"id": "loss", "op": "mse", "inputs": ["out", "t"]}],
         "loss": "loss"}
        """;

    private static int[] Dims(string json, string value)
    {
        var model = Compile(json);
        return model.Values[ValueIndex(model, value)].Type.Dims;
    }

    private static Tensor Put(CpuBackend backend, float[] values)
    {
        var t = new Tensor(backend.Allocate(values.Length), 0, values.Length);
        backend.Upload(values, t);
        return t;
    }
}
