// Shape inference of the atomic ops: what they infer, and the errors a wrong shape or attribute raises, each
// naming the node and, for a mismatch, both shapes.
using Dtrain.Models.Graph;

namespace Dtrain.Models.Tests.Ops;

public sealed class AtomicOpShapeErrorTests
{
    [Fact]
    public void Matmul_with_mismatched_inner_axes_names_the_node_and_both_shapes()
    {
        var error = CompileFails("""
            {"id": "w", "op": "parameter", "attrs": {"shape": [5, 3]}},
            {"id": "mm", "op": "matmul", "inputs": ["x", "w"]}
            """, node: "mm");

        Assert.Contains("(batch, 4)", error.Message);
        Assert.Contains("(5, 3)", error.Message);
    }

    [Fact]
    public void Matmul_of_an_unbatched_left_by_a_batched_right_is_rejected_naming_both_shapes()
    {
        var error = CompileFails("""
            {"id": "w", "op": "parameter", "attrs": {"shape": [3, 4]}},
            {"id": "mm", "op": "matmul", "inputs": ["w", "x"]}
            """, node: "mm");

        Assert.Contains("(3, 4)", error.Message);
        Assert.Contains("(batch, 4)", error.Message);
    }

    [Theory]
    [InlineData("add")]
    [InlineData("subtract")]
    [InlineData("multiply")]
    public void Elementwise_op_with_shapes_that_do_not_broadcast_names_the_node_and_both_shapes(string op)
    {
        var error = CompileFails($$$"""
            {"id": "b", "op": "parameter", "attrs": {"shape": [3]}},
            {"id": "sum", "op": "{{{op}}}", "inputs": ["x", "b"]}
            """, node: "sum");

        Assert.Contains("(batch, 4)", error.Message);
        Assert.Contains("(3)", error.Message);
    }

    [Fact]
    public void Elementwise_op_does_not_broadcast_one_batched_value_over_another()
    {
        // (batch, 2) against (batch, 4) fails like any mismatch: only an unbatched operand broadcasts.
        var error = CompileFails("""
            {"id": "w", "op": "parameter", "attrs": {"shape": [4, 2]}},
            {"id": "p", "op": "matmul", "inputs": ["x", "w"]},
            {"id": "q", "op": "multiply", "inputs": ["x", "x"]},
            {"id": "bad", "op": "add", "inputs": ["p", "q"]}
            """, node: "bad");

        Assert.Contains("(batch, 2)", error.Message);
        Assert.Contains("(batch, 4)", error.Message);
    }

    [Fact]
    public void Concat_of_inputs_that_differ_off_the_axis_names_the_node_and_both_shapes()
    {
        var error = CompileFails("""
            {"id": "w", "op": "parameter", "attrs": {"shape": [4, 3]}},
            {"id": "a", "op": "matmul", "inputs": ["x", "w"]},
            {"id": "cat", "op": "concat", "inputs": ["x", "a"], "attrs": {"axis": 0}}
            """, node: "cat", inputShape: "[2, 4]");

        Assert.Contains("input 1 (batch, 2, 3)", error.Message);
        Assert.Contains("input 0 (batch, 2, 4)", error.Message);
    }

    [Fact]
    public void Concat_of_a_batched_and_an_unbatched_value_names_both_shapes()
    {
        var error = CompileFails("""
            {"id": "b", "op": "parameter", "attrs": {"shape": [4]}},
            {"id": "cat", "op": "concat", "inputs": ["x", "b"]}
            """, node: "cat");

        Assert.Contains("(batch, 4)", error.Message);
        Assert.Contains("input 1 (4)", error.Message);
    }

    [Fact]
    public void Concat_of_one_input_says_it_takes_two_or_more()
    {
        var error = CompileFails("""{"id": "cat", "op": "concat", "inputs": ["x"]}""", node: "cat");

        Assert.Contains("takes 2 or more input(s), got 1", error.Message);
    }

    [Theory]
    [InlineData("""{"axis": 0, "start": 2, "end": 9}""", "outside")]
    [InlineData("""{"axis": 0, "start": 3, "end": 3}""", "empty")]
    [InlineData("""{"axis": 1}""", "rank-1 input")]
    [InlineData("""{"start": 1}""", "missing required attribute 'axis'")]
    public void Slice_outside_the_input_names_the_node_and_the_problem(string attrs, string expected)
    {
        var error = CompileFails($$$"""{"id": "cut", "op": "slice", "inputs": ["x"], "attrs": {{{attrs}}}}""", node: "cut");

        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("[0, 0]")]
    [InlineData("[0]")]
    [InlineData("[1, 2]")]
    public void Transpose_with_a_perm_that_is_not_a_permutation_names_the_node_and_the_shape(string perm)
    {
        var error = CompileFails($$$"""{"id": "tr", "op": "transpose", "inputs": ["x"], "attrs": {"perm": {{{perm}}}}}""", node: "tr", inputShape: "[2, 2]");

        Assert.Contains("not a permutation", error.Message);
        Assert.Contains("(batch, 2, 2)", error.Message);
    }

    [Theory]
    [InlineData("sum")]
    [InlineData("mean")]
    public void Reduction_over_an_axis_the_input_lacks_names_the_node(string op)
    {
        var error = CompileFails($$$"""{"id": "r", "op": "{{{op}}}", "inputs": ["x"], "attrs": {"axis": 2}}""", node: "r");

        Assert.Contains("attribute 'axis' is 2", error.Message);
        Assert.Contains("batch axis is not counted", error.Message);
    }

    [Theory]
    [InlineData("""{}""", "missing required attribute 'shape'")]
    [InlineData("""{"shape": [3, 0]}""", "positive integers")]
    [InlineData("""{"shape": [3], "init": "nope"}""", "unknown initializer 'nope'")]
    public void Parameter_with_a_bad_shape_or_init_names_the_node(string attrs, string expected)
    {
        var error = CompileFails($$$"""{"id": "w", "op": "parameter", "attrs": {{{attrs}}}}""", node: "w");

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Parameter_given_an_input_says_it_takes_none()
    {
        var error = CompileFails("""{"id": "w", "op": "parameter", "inputs": ["x"], "attrs": {"shape": [3]}}""", node: "w");

        Assert.Contains("takes 0 input(s), got 1", error.Message);
    }

    [Fact]
    public void Shapes_of_a_custom_layer_are_inferred_and_its_parameters_named_by_node()
    {
        // A node without "inputs" takes none; the parameter's fans follow a dense weight (K, N).
        var model = Compile("""
            {"id": "w", "op": "parameter", "attrs": {"shape": [4, 6]}},
            {"id": "b", "op": "parameter", "attrs": {"shape": [6]}},
            {"id": "h", "op": "matmul", "inputs": ["x", "w"]},
            {"id": "hb", "op": "add", "inputs": ["b", "h"]},
            {"id": "r", "op": "slice", "inputs": ["hb"], "attrs": {"axis": -1, "start": -3}},
            {"id": "wt", "op": "transpose", "inputs": ["w"]},
            {"id": "cat", "op": "concat", "inputs": ["r", "r", "hb"]},
            {"id": "m", "op": "mean", "inputs": ["cat"], "attrs": {"axis": 0, "keep_dims": true}},
            {"id": "out", "op": "sum", "inputs": ["cat"]}
            """);

        string Shape(string id) => model.Values.Single(v => v.Name == id).Type.ToString();
        Assert.Equal("(4, 6)", Shape("w"));
        Assert.Equal("(batch, 6)", Shape("hb"));
        Assert.Equal("(batch, 3)", Shape("r"));
        Assert.Equal("(6, 4)", Shape("wt"));
        Assert.Equal("(batch, 12)", Shape("cat"));
        Assert.Equal("(batch, 1)", Shape("m"));
        Assert.Equal("(batch)", Shape("out"));
        Assert.Equal(["w", "b"], model.Parameters.Select(p => p.Name));
        Assert.Equal((4, 6), (model.Parameters[0].Spec.FanIn, model.Parameters[0].Spec.FanOut));
    }

    private const string LossNode = """, {"id": "loss", "op": "mse", "inputs": ["out", "t"]}""";

    /// <summary>x (batch, <paramref name="inputShape"/>) through <paramref name="nodes"/> (ending in "out"), mse against a (batch) target.</summary>
    private static string Model(string nodes, string inputShape, bool withLoss) => $$$"""
        {"inputs": [{"name": "x", "shape": {{{inputShape}}}}, {"name": "t", "shape": [], "dtype": "float32", "source": "labels"}],
         "nodes": [{{{nodes}}}{{{(withLoss ? LossNode : "")}}}],
         "loss": "loss"}
        """;

    private static CompiledModel Compile(string nodes) => ModelCompiler.Compile(ModelParser.Parse(Model(nodes, "[4]", withLoss: true), "shapes.json"));

    private static ModelFileException CompileFails(string nodes, string node, string inputShape = "[4]")
    {
        var error = Assert.Throws<ModelFileException>(() => ModelCompiler.Compile(ModelParser.Parse(Model(nodes, inputShape, withLoss: false), "shapes.json")));
        Assert.Equal(node, error.Node);
        Assert.StartsWith($"shapes.json: node '{node}':", error.Message);
        return error;
    }
}
