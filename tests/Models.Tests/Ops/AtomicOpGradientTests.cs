// The atomic ops (parameter, matmul, add, subtract, multiply, concat, slice, transpose, sum, mean, exp, log)
// checked against central finite differences: every parameter gradient and every intermediate value's gradient.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Tests.Ops;

public sealed class AtomicOpGradientTests
{
    private const int Batch = 3;

    // As in GradientCheckTests: a float loss near 1 carries ~1e-7 of rounding, ~1e-5 over a step of 2e-2.
    private const float Step = 1e-2f;
    private const double RelativeTolerance = 1e-2;
    private const double AbsoluteTolerance = 2e-4;

    private const string Wide = """{"type": "uniform", "scale": 0.5}""";

    [Fact]
    public void Parameter_and_matmul_with_an_unbatched_right_side_gradient_matches_finite_differences()
    {
        // Two products back to back, so the left operand's gradient (dh) is checked as well as both weights.
        var json = Regression([4], [2], """
            {"id": "w1", "op": "parameter", "attrs": {"shape": [4, 5]}},
            {"id": "w2", "op": "parameter", "attrs": {"shape": [5, 2]}},
            {"id": "h", "op": "matmul", "inputs": ["x", "w1"]},
            {"id": "out", "op": "matmul", "inputs": ["h", "w2"]}
            """);

        AssertGradientsMatchFiniteDifferences(json, seed: 11);
    }

    [Fact]
    public void Matmul_of_a_rank_3_activation_by_a_matrix_gradient_matches_finite_differences()
    {
        // (batch, 2, 4) x (4, 3): every row of every example meets the same weight.
        var json = Regression([2, 4], [2, 3], """
            {"id": "w", "op": "parameter", "attrs": {"shape": [4, 3]}},
            {"id": "out", "op": "matmul", "inputs": ["x", "w"]}
            """);

        AssertGradientsMatchFiniteDifferences(json, seed: 12);
    }

    [Fact]
    public void Matmul_of_two_batched_matrices_gradient_matches_finite_differences()
    {
        // a (batch, 2, 3) times its own transpose (batch, 3, 2): both operands need gradients, and they add up.
        var json = Regression([2, 4], [2, 2], """
            {"id": "w", "op": "parameter", "attrs": {"shape": [4, 3]}},
            {"id": "a", "op": "matmul", "inputs": ["x", "w"]},
            {"id": "at", "op": "transpose", "inputs": ["a"]},
            {"id": "out", "op": "matmul", "inputs": ["a", "at"]}
            """);

        AssertGradientsMatchFiniteDifferences(json, seed: 13);
    }

    [Fact]
    public void Matmul_of_two_parameters_gradient_matches_finite_differences()
    {
        // A low-rank weight u v, built unbatched, then applied to the batch.
        var json = Regression([4], [3], """
            {"id": "u", "op": "parameter", "attrs": {"shape": [4, 2]}},
            {"id": "v", "op": "parameter", "attrs": {"shape": [2, 3]}},
            {"id": "uv", "op": "matmul", "inputs": ["u", "v"]},
            {"id": "out", "op": "matmul", "inputs": ["x", "uv"]}
            """);

        AssertGradientsMatchFiniteDifferences(json, seed: 14);
    }

    [Theory]
    [InlineData("add", "h", "b")]
    [InlineData("add", "b", "h")]
    [InlineData("subtract", "h", "b")]
    [InlineData("subtract", "b", "h")]
    [InlineData("multiply", "h", "b")]
    [InlineData("multiply", "b", "h")]
    [InlineData("add", "h", "g")]
    [InlineData("subtract", "h", "g")]
    [InlineData("multiply", "h", "g")]
    [InlineData("multiply", "h", "h")]
    public void Elementwise_op_gradient_matches_finite_differences(string op, string left, string right)
    {
        // h and g are (batch, 3); b is an unbatched (3) broadcast over the batch.
        var json = Regression([4], [3], $$$"""
            {"id": "w", "op": "parameter", "attrs": {"shape": [4, 3]}},
            {"id": "v", "op": "parameter", "attrs": {"shape": [4, 3]}},
            {"id": "b", "op": "parameter", "attrs": {"shape": [3], "init": {{{Wide}}}}},
            {"id": "h", "op": "matmul", "inputs": ["x", "w"]},
            {"id": "g", "op": "matmul", "inputs": ["x", "v"]},
            {"id": "out", "op": "{{{op}}}", "inputs": ["{{{left}}}", "{{{right}}}"]}
            """);

        AssertGradientsMatchFiniteDifferences(json, seed: 15);
    }

    [Theory]
    [InlineData("[3]")]
    [InlineData("[2, 3]")]
    public void Broadcast_over_the_leading_axes_of_a_rank_3_value_gradient_matches_finite_differences(string shape)
    {
        // (batch, 2, 3) with an unbatched (3) or (2, 3): the broadcast operand's gradient sums over every row it met.
        var json = Regression([2, 4], [2, 3], $$$"""
            {"id": "w", "op": "parameter", "attrs": {"shape": [4, 3]}},
            {"id": "s", "op": "parameter", "attrs": {"shape": {{{shape}}}, "init": {{{Wide}}}}},
            {"id": "h", "op": "matmul", "inputs": ["x", "w"]},
            {"id": "p", "op": "multiply", "inputs": ["h", "s"]},
            {"id": "out", "op": "subtract", "inputs": ["s", "p"]}
            """);

        AssertGradientsMatchFiniteDifferences(json, seed: 16);
    }

    [Theory]
    [InlineData(-1, "[2, 7]")]
    [InlineData(0, "[5, 3]")]
    public void Concat_gradient_matches_finite_differences(int axis, string outShape)
    {
        // Three inputs, (batch, 2, 3) twice and a thinner third ((batch, 2, 1) or (batch, 1, 3)), joined along the axis.
        var third = axis == 0 ? "[4, 3]" : "[4, 1]";
        var json = Regression([2, 4], ParseShape(outShape), $$$"""
            {"id": "w", "op": "parameter", "attrs": {"shape": [4, 3]}},
            {"id": "v", "op": "parameter", "attrs": {"shape": {{{third}}}}},
            {"id": "h", "op": "matmul", "inputs": ["x", "w"]},
            {"id": "e", "op": "exp", "inputs": ["h"]},
            {"id": "g", "op": "matmul", "inputs": ["x", "v"]},
            {"id": "gs", "op": "slice", "inputs": ["g"], "attrs": {"axis": 0, "start": 0, "end": {{{(axis == 0 ? 1 : 2)}}}}},
            {"id": "out", "op": "concat", "inputs": ["h", "e", "gs"], "attrs": {"axis": {{{axis}}}}}
            """);

        AssertGradientsMatchFiniteDifferences(json, seed: 17);
    }

    [Theory]
    [InlineData(0, 1, 3, "[2, 5]")]
    [InlineData(1, 1, 4, "[3, 3]")]
    [InlineData(-1, -3, -1, "[3, 2]")]
    public void Slice_gradient_matches_finite_differences(int axis, int start, int end, string outShape)
    {
        // A (batch, 3, 5) value sliced along one axis; the rows outside the band get zero gradient.
        var json = Regression([3, 4], ParseShape(outShape), $$$"""
            {"id": "w", "op": "parameter", "attrs": {"shape": [4, 5]}},
            {"id": "h", "op": "matmul", "inputs": ["x", "w"]},
            {"id": "out", "op": "slice", "inputs": ["h"], "attrs": {"axis": {{{axis}}}, "start": {{{start}}}, "end": {{{end}}}}}
            """);

        AssertGradientsMatchFiniteDifferences(json, seed: 18);
    }

    [Theory]
    [InlineData("[2, 0, 1]", "[3, 2, 2]")]
    [InlineData("[1, 2, 0]", "[2, 3, 2]")]
    public void Transpose_of_three_axes_gradient_matches_finite_differences(string perm, string outShape)
    {
        // (batch, 2, 2, 3) permuted; the gradient goes back through the inverse permutation.
        var json = Regression([2, 2, 4], ParseShape(outShape), $$$"""
            {"id": "w", "op": "parameter", "attrs": {"shape": [4, 3]}},
            {"id": "h", "op": "matmul", "inputs": ["x", "w"]},
            {"id": "out", "op": "transpose", "inputs": ["h"], "attrs": {"perm": {{{perm}}}}}
            """);

        AssertGradientsMatchFiniteDifferences(json, seed: 19);
    }

    [Theory]
    [InlineData("sum", """ "axis": 0 """, "[3]")]
    [InlineData("sum", """ "axis": 1, "keep_dims": true """, "[2, 1]")]
    [InlineData("mean", """ "axis": -1 """, "[2]")]
    [InlineData("mean", """ "keep_dims": false """, "[]")]
    [InlineData("sum", """ "keep_dims": true """, "[1, 1]")]
    public void Reduction_gradient_matches_finite_differences(string op, string attrs, string outShape)
    {
        // (batch, 2, 3) reduced along one per-example axis, or all of them; the batch axis stays.
        var json = Regression([2, 4], ParseShape(outShape), $$$"""
            {"id": "w", "op": "parameter", "attrs": {"shape": [4, 3]}},
            {"id": "h", "op": "matmul", "inputs": ["x", "w"]},
            {"id": "out", "op": "{{{op}}}", "inputs": ["h"], "attrs": { {{{attrs}}} }}
            """);

        AssertGradientsMatchFiniteDifferences(json, seed: 20);
    }

    [Fact]
    public void Exp_and_log_gradient_matches_finite_differences()
    {
        // log(sum(exp(h))): the log-sum-exp of each row, whose input is positive by construction.
        var json = Regression([4], [1], """
            {"id": "w", "op": "parameter", "attrs": {"shape": [4, 3]}},
            {"id": "h", "op": "matmul", "inputs": ["x", "w"]},
            {"id": "e", "op": "exp", "inputs": ["h"]},
            {"id": "s", "op": "sum", "inputs": ["e"], "attrs": {"axis": 0, "keep_dims": true}},
            {"id": "out", "op": "log", "inputs": ["s"]}
            """);

        AssertGradientsMatchFiniteDifferences(json, seed: 21);
    }

    [Fact]
    public void Custom_dense_layer_from_atomic_ops_matches_the_dense_op()
    {
        // parameter + matmul + add computes exactly what dense computes with the same weights.
        var atomic = Compile(Regression([4], [3], $$$"""
            {"id": "w", "op": "parameter", "attrs": {"shape": [4, 3]}},
            {"id": "b", "op": "parameter", "attrs": {"shape": [3], "init": {{{Wide}}}}},
            {"id": "h", "op": "matmul", "inputs": ["x", "w"]},
            {"id": "out", "op": "add", "inputs": ["h", "b"]}
            """));
        var dense = Compile(Regression([4], [3], $$$"""
            {"id": "out", "op": "dense", "inputs": ["x"], "attrs": {"units": 3, "bias_init": {{{Wide}}}}}
            """));
        var (features, labels) = Examples(atomic, Batch, seed: 22);
        using var backend = new CpuBackend(threads: 1);
        using var a = Executor(atomic, backend, Batch, seed: 22);
        using var d = Executor(dense, backend, Batch, seed: 22);
        backend.Upload(Download(backend, a.Parameters), d.Parameters);

        foreach (var executor in new[] { a, d })
        {
            executor.SetBatch(features, labels, Batch);
            executor.Forward();
            executor.Backward();
        }

        Assert.Equal(["w", "b"], atomic.Parameters.Select(p => p.Name));
        Assert.Equal(d.ReadLoss(), a.ReadLoss(), 1e-6f);
        Assert.Equal(Download(backend, d.Gradients), Download(backend, a.Gradients), new FloatTolerance(1e-6f));
    }

    [Fact]
    public void Parameter_node_gradients_add_up_when_backward_accumulates()
    {
        // The parameter's value and gradient are views of the parameter vectors, so accumulation must reach them.
        var model = Compile(Regression([4], [3], $$$"""
            {"id": "w", "op": "parameter", "attrs": {"shape": [4, 3]}},
            {"id": "b", "op": "parameter", "attrs": {"shape": [3], "init": {{{Wide}}}}},
            {"id": "h", "op": "matmul", "inputs": ["x", "w"]},
            {"id": "out", "op": "add", "inputs": ["b", "h"]}
            """));
        var (features, labels) = Examples(model, Batch, seed: 23);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, Batch, seed: 23);
        executor.SetBatch(features, labels, Batch);

        executor.Forward();
        executor.Backward();
        var once = Download(backend, executor.Gradients);
        executor.Forward();
        executor.Backward(accumulate: true);
        var twice = Download(backend, executor.Gradients);
        executor.Forward();
        executor.Backward();
        var again = Download(backend, executor.Gradients);

        Assert.Contains(once, g => g != 0f);
        Assert.Equal(once.Select(g => 2 * g), twice, new FloatTolerance(1e-6f));
        Assert.Equal(once, again, new FloatTolerance(1e-6f));
    }

    /// <summary>A regression model: x (batch, <paramref name="input"/>) through <paramref name="nodes"/> (ending in "out") to mse against t.</summary>
    private static string Regression(int[] input, int[] target, string nodes) => $$$"""
        {"inputs": [{"name": "x", "shape": [{{{string.Join(", ", input)}}}]},
                    {"name": "t", "shape": [{{{string.Join(", ", target)}}}], "dtype": "float32", "source": "labels"}],
         "nodes": [{{{nodes}}},
                   {"id": "loss", "op": "mse", "inputs": ["out", "t"]}],
         "loss": "loss"}
        """;

    private static int[] ParseShape(string shape) =>
        shape.Trim('[', ']').Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s.Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static CompiledModel Compile(string json) => ModelCompiler.Compile(ModelParser.Parse(json, "atomic.json"));

    /// <summary>Features and float targets uniform in [-1, 1].</summary>
    private static (float[] Features, float[] Labels) Examples(CompiledModel model, int batch, int seed)
    {
        var rng = new Random(seed);
        var features = Enumerable.Range(0, batch * model.FeatureSize).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
        var labels = Enumerable.Range(0, batch * model.LabelSize).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
        return (features, labels);
    }

    private static GraphExecutor Executor(CompiledModel model, CpuBackend backend, int maxBatch, int seed)
    {
        var executor = new GraphExecutor(model, backend, maxBatch, training: true);
        backend.Upload(model.InitialParameters(seed), executor.Parameters);
        return executor;
    }

    private static float[] Download(CpuBackend backend, Tensor tensor)
    {
        var host = new float[tensor.Length];
        backend.Download(tensor, host);
        return host;
    }

    private static void AssertGradientsMatchFiniteDifferences(string json, int seed)
    {
        var model = Compile(json);
        var (features, labels) = Examples(model, Batch, seed);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, Batch, seed);
        executor.SetBatch(features, labels, Batch);
        var theta = Download(backend, executor.Parameters);
        executor.Forward();
        executor.Backward();

        var parameterGradients = Download(backend, executor.Gradients);
        foreach (var p in model.Parameters)
        {
            for (var i = p.Offset; i < p.Offset + p.Size; i++)
            {
                var numeric = CentralDifference(delta =>
                {
                    var nudged = (float[])theta.Clone();
                    nudged[i] += delta;
                    backend.Upload(nudged, executor.Parameters);
                    executor.Forward();
                    return executor.ReadLoss();
                });
                AssertClose(parameterGradients[i], numeric, $"{p.Name}[{i - p.Offset}]");
            }
        }

        backend.Upload(theta, executor.Parameters);
        for (var v = 0; v < model.Values.Count; v++)
        {
            var info = model.Values[v];
            // A parameter node's value is its parameter, whose gradient was checked above (and nudging it
            // here would move the parameter itself).
            if (info.Producer < 0 || v == model.LossValue || !info.RequiresGradient || model.Nodes[info.Producer].Op.OutputIsParameter)
            {
                continue;
            }

            var analytic = Download(backend, executor.Gradient(v));
            for (var e = 0; e < analytic.Length; e++)
            {
                var numeric = CentralDifference(delta => LossWithValueNudged(executor, v, e, delta));
                AssertClose(analytic[e], numeric, $"d loss / d {info.Name}[{e}]");
            }
        }
    }

    /// <summary>Runs forward, adds <paramref name="delta"/> to one element of value <paramref name="v"/>, and re-runs every later node.</summary>
    private static float LossWithValueNudged(GraphExecutor executor, int v, int element, float delta)
    {
        executor.Forward();
        CpuBackend.Span(executor.Value(v))[element] += delta;
        var nodes = executor.Model.Nodes;
        for (var n = executor.Model.Values[v].Producer + 1; n < nodes.Count; n++)
        {
            nodes[n].Op.Forward(new OpRun(executor, nodes[n]));
        }

        return executor.ReadLoss();
    }

    private static double CentralDifference(Func<float, float> loss) =>
        ((double)loss(Step) - loss(-Step)) / (2.0 * Step);

    private static void AssertClose(float analytic, double numeric, string what)
    {
        var tolerance = AbsoluteTolerance + (RelativeTolerance * Math.Max(Math.Abs(analytic), Math.Abs(numeric)));
        Assert.True(Math.Abs(analytic - numeric) <= tolerance, $"{what}: backward gives {analytic:G6}, finite differences {numeric:G6}");
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
