// step, sign, stop_gradient and fill: forward values, and which gradient (none, or dy straight through) reaches
// the input; a dense layer in front makes the input a value that needs a gradient.
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using static Dtrain.Models.Tests.Ops.LayerGradientCheck;

namespace Dtrain.Models.Tests.Ops;

public sealed class ThresholdOpTests
{
    private const int Batch = 3;

    [Theory]
    [InlineData("step", 0f)]
    [InlineData("step", 0.25f)]
    [InlineData("sign", 0f)]
    [InlineData("sign", -0.25f)]
    public void Threshold_unit_maps_each_element_to_its_two_levels(string op, float threshold)
    {
        var json = Model($$"""{"id": "u", "op": "{{op}}", "inputs": ["h"], "attrs": {"threshold": {{threshold}} } }""", "u");

        var (h, u, _) = Run(json, "u");

        for (var i = 0; i < h.Length; i++)
        {
            var expected = op == "step" ? (h[i] > threshold ? 1f : 0f) : (h[i] >= threshold ? 1f : -1f);
            Assert.Equal(expected, u[i]);
        }

        Assert.Contains(op == "step" ? 0f : -1f, u);
        Assert.Contains(1f, u);
    }

    [Fact]
    public void Sign_at_exactly_the_threshold_is_one_and_step_is_zero()
    {
        using var backend = new CpuBackend(threads: 1);
        var x = new Dtrain.Models.Tensors.Tensor(backend.Allocate(3), 0, 3);
        var y = new Dtrain.Models.Tensors.Tensor(backend.Allocate(3), 0, 3);
        backend.Upload([0.5f, 0.4999f, 0.5001f], x);

        backend.Sign(x, y, 0.5f);
        var sign = Download(backend, y);
        backend.Step(x, y, 0.5f);
        var step = Download(backend, y);

        Assert.Equal([1f, -1f, 1f], sign);
        Assert.Equal([0f, 0f, 1f], step);
    }

    [Theory]
    [InlineData("""{"id": "u", "op": "step", "inputs": ["h"]}""")]
    [InlineData("""{"id": "u", "op": "sign", "inputs": ["h"], "attrs": {"gradient": "none"}}""")]
    [InlineData("""{"id": "u", "op": "stop_gradient", "inputs": ["h"]}""")]
    [InlineData("""{"id": "u", "op": "fill", "inputs": ["h"], "attrs": {"value": 0.5}}""")]
    public void Op_without_a_gradient_leaves_the_layer_before_it_untrained(string node)
    {
        var (_, _, gradients) = Run(Model(node, "u"), "u", backward: true);

        Assert.All(gradients.Parameters, g => Assert.Equal(0f, g));
    }

    [Theory]
    [InlineData("step")]
    [InlineData("sign")]
    public void Straight_through_gradient_passes_dy_to_the_input_unchanged(string op)
    {
        var json = Model($$"""{"id": "u", "op": "{{op}}", "inputs": ["h"], "attrs": {"gradient": "straight_through"} }""", "u");

        var (_, _, gradients) = Run(json, "u", backward: true);

        Assert.Equal(gradients.Dy, gradients.Dh);
        Assert.Contains(gradients.Parameters, g => g != 0f);
    }

    [Fact]
    public void Stop_gradient_is_the_identity_forward_and_blocks_its_path_backward()
    {
        // out = h * stop_gradient(h): d out / d h is stop_gradient(h) = h alone, not 2h.
        var json = Model("""
            {"id": "u", "op": "stop_gradient", "inputs": ["h"]},
            {"id": "out", "op": "multiply", "inputs": ["h", "u"]}
            """, "out");

        var (h, u, _) = Run(json, "u");
        var (_, _, gradients) = Run(json, "out", backward: true);

        Assert.Equal(h, u);
        for (var i = 0; i < h.Length; i++)
        {
            Assert.Equal(gradients.Dy[i] * h[i], gradients.Dh[i], 1e-6f);
        }
    }

    [Fact]
    public void Fill_writes_its_value_over_the_input_shape()
    {
        var json = Model("""{"id": "u", "op": "fill", "inputs": ["h"], "attrs": {"value": -2.5}}""", "u");

        var (h, u, _) = Run(json, "u");

        Assert.Equal(h.Length, u.Length);
        Assert.All(u, v => Assert.Equal(-2.5f, v));
    }

    [Theory]
    [InlineData("""{"id": "bad", "op": "step", "inputs": ["x"], "attrs": {"gradient": "identity"}}""", "attribute 'gradient' must be one of none, straight_through; got \"identity\"")]
    [InlineData("""{"id": "bad", "op": "sign", "inputs": ["x"], "attrs": {"threshold": "high"}}""", "attribute 'threshold' must be a finite number")]
    [InlineData("""{"id": "bad", "op": "fill", "inputs": ["x"]}""", "missing required attribute 'value'")]
    [InlineData("""{"id": "bad", "op": "stop_gradient", "inputs": ["x"], "attrs": {"gradient": "none"}}""", "this op takes no attributes")]
    public void Threshold_op_error_names_the_node_and_the_problem(string node, string problem)
    {
        var json = $$"""
            {"inputs": [{"name": "x", "shape": [4]}, {"name": "y", "shape": [], "dtype": "int32"}],
             "nodes": [{{node}},
                       {"id": "fc", "op": "dense", "inputs": ["x"], "attrs": {"units": 2} },
                       {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc", "y"]}],
             "loss": "loss"}
            """;

        var error = Assert.Throws<ModelFileException>(() => ModelCompiler.Compile(ModelParser.Parse(json, "threshold.json")));

        Assert.Equal("bad", error.Node);
        Assert.Contains(problem, error.Problem);
    }

    /// <summary>x (4) -> dense h (6) -> <paramref name="nodes"/> -> linear out (6) -> mse against t.</summary>
    private static string Model(string nodes, string last) => $$"""
        {"inputs": [{"name": "x", "shape": [4]}, {"name": "t", "shape": [6], "dtype": "float32", "source": "labels"}],
         "nodes": [{"id": "h", "op": "dense", "inputs": ["x"], "attrs": {"units": 6} },
                   {{nodes}},
                   {"id": "loss", "op": "mse", "inputs": ["{{last}}", "t"]}],
         "loss": "loss"}
        """;

    /// <summary>h and node <paramref name="name"/> after a forward pass; with backward, dy of that node, dh, and every parameter gradient.</summary>
    private static (float[] H, float[] Value, (float[] Dy, float[] Dh, float[] Parameters) Gradients) Run(string json, string name, bool backward = false)
    {
        var model = Compile(json);
        var (features, labels) = Examples(model, Batch, seed: 5);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, Batch, seed: 5);
        executor.SetBatch(features, labels, Batch);
        executor.Forward();
        var h = Download(backend, executor.Value(ValueIndex(model, "h")));
        var value = Download(backend, executor.Value(ValueIndex(model, name)));
        if (!backward)
        {
            return (h, value, ([], [], []));
        }

        executor.Backward();
        var dy = Download(backend, executor.Gradient(ValueIndex(model, name)));
        var dh = Download(backend, executor.Gradient(ValueIndex(model, "h")));
        return (h, value, (dy, dh, Download(backend, executor.Gradients)));
    }
}
