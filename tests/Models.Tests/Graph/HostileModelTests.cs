// Absurd or hostile model files: sizes past ModelLimits, typos in attribute names, control characters in ids and
// graphs of many nodes. Each must end in one ModelFileException naming the node and field, quickly.
using System.Diagnostics;
using System.Text;
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;

namespace Dtrain.Models.Tests.Graph;

public sealed class HostileModelTests
{
    private const string File = "hostile.json";

    [Fact]
    public void Units_beyond_the_largest_size_are_refused_naming_the_node_and_the_attribute()
    {
        var error = CompileFails(Mlp("""{"units": 2000000000}"""), node: "fc");

        Assert.Contains("'units'", error.Message);
        Assert.Contains("2000000000", error.Message);
    }

    [Fact]
    public void A_weight_whose_count_overflows_an_int_is_refused_instead_of_counted_negative()
    {
        var error = CompileFails(Mlp("""{"units": 3000000}"""), node: "fc");

        Assert.Contains("parameter 'fc.weight' of shape 784x3000000 holds 2,352,000,000 floats", error.Message);
    }

    [Fact]
    public void A_parameter_of_ten_billion_floats_is_refused_before_anything_is_allocated()
    {
        var json = Model(
            """{"name": "x", "shape": [100000]}""",
            """
            {"id": "w", "op": "parameter", "attrs": {"shape": [100000, 100000]}},
            {"id": "fc", "op": "matmul", "inputs": ["x", "w"]},
            {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc", "y"]}
            """);

        var error = CompileFails(json, node: "w");

        Assert.Contains("parameter 'w' of shape 100000x100000 holds 10,000,000,000 floats", error.Message);
    }

    [Fact]
    public void Parameters_that_together_pass_the_total_are_refused_at_the_node_that_passes_it()
    {
        var nodes = string.Join(",", Enumerable.Range(0, 3).Select(i => $$$"""{"id": "p{{{i}}}", "op": "parameter", "attrs": {"shape": [10000, 10000]}}"""));
        var json = Model("""{"name": "x", "shape": [784]}""", nodes + """
            , {"id": "fc", "op": "dense", "inputs": ["x"], "attrs": {"units": 10}},
            {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc", "y"]}
            """);

        var error = CompileFails(json, node: "p2");

        Assert.Contains($"more than the {ModelLimits.MaxTotalParameters:N0} allowed", error.Message);
    }

    [Fact]
    public void An_input_of_more_floats_per_example_than_allowed_is_refused_naming_the_input()
    {
        var error = CompileFails(Model("""{"name": "x", "shape": [100000, 100000]}""", """
            {"id": "flat", "op": "flatten", "inputs": ["x"]},
            {"id": "fc", "op": "dense", "inputs": ["flat"], "attrs": {"units": 10}},
            {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc", "y"]}
            """), node: "x");

        Assert.Contains("10,000,000,000 floats per example", error.Message);
    }

    [Fact]
    public void A_convolution_whose_window_products_overflow_is_refused_naming_the_node()
    {
        var error = CompileFails(Model("""{"name": "x", "shape": [1, 28, 28]}""", """
            {"id": "conv", "op": "conv2d", "inputs": ["x"], "attrs": {"filters": 4, "kernel": 3, "padding": 10000000}},
            {"id": "flat", "op": "flatten", "inputs": ["conv"]},
            {"id": "fc", "op": "dense", "inputs": ["flat"], "attrs": {"units": 10}},
            {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc", "y"]}
            """), node: "conv");

        Assert.Contains("positions, more than the", error.Message);
    }

    [Fact]
    public void A_misspelt_attribute_is_refused_with_the_name_it_probably_meant()
    {
        var error = CompileFails(Mlp("""{"units": 10, "unitz": 20}"""), node: "fc");

        Assert.Contains("unknown attribute 'unitz' (did you mean 'units'?)", error.Message);
        Assert.Contains("known: activation, bias_init, units, use_bias, weight_init", error.Message);
    }

    [Fact]
    public void An_attribute_given_to_an_op_that_takes_none_is_refused()
    {
        var error = CompileFails(Model("""{"name": "x", "shape": [784]}""", """
            {"id": "fc", "op": "dense", "inputs": ["x"], "attrs": {"units": 10}},
            {"id": "r", "op": "relu", "inputs": ["fc"], "attrs": {"alpha": 0.1}},
            {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["r", "y"]}
            """), node: "r");

        Assert.Contains("unknown attribute 'alpha': this op takes no attributes", error.Message);
    }

    [Fact]
    public void A_bias_initializer_beside_use_bias_false_is_still_a_known_attribute()
    {
        var model = ModelCompiler.Compile(ModelParser.Parse(Mlp("""{"units": 10, "use_bias": false, "bias_init": "zeros"}"""), File));

        Assert.Equal(7840, model.ParameterCount);
    }

    [Fact]
    public void An_ansi_escape_in_a_node_id_is_refused_and_never_printed_raw()
    {
        var json = Mlp("""{"units": 10}""").Replace("\"id\": \"fc\"", "\"id\": \"fc\\u001b[2J\\u001b[31m\"", StringComparison.Ordinal);

        var error = Assert.Throws<ModelFileException>(() => ModelParser.Parse(json, File));

        Assert.Contains("control character at position 3", error.Message);
        Assert.Contains("fc\\u001b[2J", error.Message);
        Assert.DoesNotContain('\u001b', error.Message);
    }

    [Fact]
    public void Every_user_error_is_one_line_whatever_the_file_holds()
    {
        var error = new DtrainException("bad\nname\r\u009b31m\u202e");

        Assert.Equal("bad\\u000aname\\u000d\\u009b31m\\u202e", error.Message);
    }

    [Fact]
    public void More_nodes_than_a_model_may_have_are_refused()
    {
        var error = Assert.Throws<ModelFileException>(() => ModelCompiler.Compile(ModelParser.Parse(Chain(ModelLimits.MaxNodes + 1), File)));

        Assert.Contains($"{ModelLimits.MaxNodes + 1:N0} nodes, more than the {ModelLimits.MaxNodes:N0}", error.Message);
    }

    [Fact]
    public void A_graph_of_the_most_nodes_allowed_compiles_in_linear_time()
    {
        // Before: each input reference scanned every node, so 50k nodes took 7 s and 100k about 30 s.
        var spec = ModelParser.Parse(Chain(ModelLimits.MaxNodes), File);
        var clock = Stopwatch.StartNew();

        var model = ModelCompiler.Compile(spec);

        Assert.Equal(ModelLimits.MaxNodes, model.Nodes.Count);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"compiling {ModelLimits.MaxNodes:N0} nodes took {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void A_cycle_through_every_node_of_a_large_graph_is_named_in_linear_time()
    {
        // The first relu reads the last one: a cycle of 99,998 nodes.
        var json = Chain(ModelLimits.MaxNodes).Replace("\"inputs\": [\"fc\"]", $"\"inputs\": [\"r{ModelLimits.MaxNodes - 3}\"]", StringComparison.Ordinal);
        var spec = ModelParser.Parse(json, File);
        var clock = Stopwatch.StartNew();

        var error = Assert.Throws<ModelFileException>(() => ModelCompiler.Compile(spec));

        Assert.Contains("cycle: r1 -> r2 -> r3", error.Message);
        Assert.Contains("(99,998 nodes)", error.Message);
        Assert.True(error.Message.Length < 500, $"the error is {error.Message.Length:N0} characters long");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"naming the cycle took {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void A_batch_whose_activations_cannot_be_held_is_refused_naming_the_option()
    {
        var model = ModelCompiler.Compile(ModelParser.Parse(Mlp("""{"units": 10}"""), File));

        ModelLimits.CheckBatch(model, 128, "--batch");
        var error = Assert.Throws<DtrainException>(() => ModelLimits.CheckBatch(model, 10_000_000, "--batch"));

        Assert.StartsWith($"--batch 10,000,000 is too large for {File}: ", error.Message);
    }

    [Fact]
    public void An_executor_for_a_batch_past_the_limit_is_refused_before_it_allocates()
    {
        var model = ModelCompiler.Compile(ModelParser.Parse(Mlp("""{"units": 10}"""), File));
        using var backend = new CpuBackend(1);

        var error = Assert.Throws<DtrainException>(() => { using var executor = new GraphExecutor(model, backend, int.MaxValue, training: true); });

        Assert.Contains("value 'x' would hold", error.Message);
    }

    /// <summary>x (784) -> dense "fc" with <paramref name="attrs"/> -> softmax cross-entropy.</summary>
    private static string Mlp(string attrs) => Model("""{"name": "x", "shape": [784]}""", $$"""
        {"id": "fc", "op": "dense", "inputs": ["x"], "attrs": {{attrs}}},
        {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc", "y"]}
        """);

    /// <summary>A dense layer followed by <paramref name="nodes"/> - 2 relus in a chain, then the loss.</summary>
    private static string Chain(int nodes)
    {
        var text = new StringBuilder("""{"id": "fc", "op": "dense", "inputs": ["x"], "attrs": {"units": 10}}""");
        var last = "fc";
        for (var i = 0; i < nodes - 2; i++)
        {
            text.Append($$""", {"id": "r{{i}}", "op": "relu", "inputs": ["{{last}}"]}""");
            last = $"r{i}";
        }

        text.Append($$""", {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["{{last}}", "y"]}""");
        return Model("""{"name": "x", "shape": [784]}""", text.ToString());
    }

    private static string Model(string features, string nodes) =>
        $$"""{"inputs": [{{features}}, {"name": "y", "shape": [], "dtype": "int32"}], "nodes": [{{nodes}}], "loss": "loss"}""";

    private static ModelFileException CompileFails(string json, string node)
    {
        var error = Assert.Throws<ModelFileException>(() => ModelCompiler.Compile(ModelParser.Parse(json, File)));
        Assert.StartsWith($"{File}: node '{node}': ", error.Message);
        return error;
    }
}
