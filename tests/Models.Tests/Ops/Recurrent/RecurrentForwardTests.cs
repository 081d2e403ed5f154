// The recurrent layers' forward pass against scalar double-precision references of the published equations,
// their inferred shapes and parameters, and the model-file errors that name the node.
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using static Dtrain.Models.Tests.Ops.Recurrent.RecurrentModels;

namespace Dtrain.Models.Tests.Ops.Recurrent;

public sealed class RecurrentForwardTests
{
    private const int Batch = 3;
    private const int Steps = 4;
    private const int Features = 3;
    private const int Units = 19;

    [Theory]
    [InlineData("rnn", false)]
    [InlineData("rnn", true)]
    [InlineData("lstm", false)]
    [InlineData("lstm", true)]
    [InlineData("gru", false)]
    [InlineData("gru", true)]
    public void Recurrent_forward_matches_the_scalar_reference(string op, bool returnSequences)
    {
        // Wide weights and biases so gates saturate in both directions, not only near their linear middle. A
        // sequence output feeds a second recurrent layer, the only kind of node that takes (batch, time, units).
        var head = returnSequences ? op : "dense";
        const string Inits = """
            "weight_init": {"type": "normal", "scale": 1.0}, "recurrent_init": {"type": "orthogonal", "scale": 1.5}, "bias_init": {"type": "uniform", "scale": 1.0}
            """;
        var json = Classifier(Steps, Features, $$$"""
            {"id": "rec", "op": "{{{op}}}", "inputs": ["x"], "attrs": {"units": {{{Units}}}, "return_sequences": {{{(returnSequences ? "true" : "false")}}}, {{{Inits}}}}},
            {"id": "out", "op": "{{{head}}}", "inputs": ["rec"], "attrs": {"units": 3}}
            """);
        var model = Compile(json);
        var (features, labels) = Examples(model, Batch, seed: 21);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, Batch, seed: 21);
        executor.SetBatch(features, labels, Batch);

        executor.Forward();

        var actual = Download(backend, executor.Value(ValueIndex(model, "rec")));
        var parameters = Download(backend, executor.Parameters);
        float[] Param(string name)
        {
            var p = model.Parameters.Single(p => p.Name == "rec." + name);
            return parameters.AsSpan(p.Offset, p.Size).ToArray();
        }

        var expected = Reference(op, features, Param("weight"), Param("recurrent_weight"), Param("bias"), op == "gru" ? Param("recurrent_bias") : null, returnSequences);
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < 2e-6, $"{op} output[{i}]: reference {expected[i]:G7}, op {actual[i]:G7}");
        }
    }

    [Theory]
    [InlineData("rnn", 1)]
    [InlineData("lstm", 4)]
    [InlineData("gru", 3)]
    public void Recurrent_shapes_and_parameters_follow_units_and_return_sequences(string op, int gates)
    {
        var json = Classifier(28, 28, $$$"""
            {"id": "seq", "op": "{{{op}}}", "inputs": ["x"], "attrs": {"units": 16, "return_sequences": true}},
            {"id": "last", "op": "{{{op}}}", "inputs": ["seq"], "attrs": {"units": 8}},
            {"id": "out", "op": "dense", "inputs": ["last"], "attrs": {"units": 10}}
            """);

        var model = Compile(json);

        Assert.Equal("(batch, 28, 16)", model.Values[ValueIndex(model, "seq")].Type.ToString());
        Assert.Equal("(batch, 8)", model.Values[ValueIndex(model, "last")].Type.ToString());
        var shapes = model.Parameters.Where(p => p.Name.StartsWith("seq.", StringComparison.Ordinal)).ToDictionary(p => p.Name, p => p.Spec.Shape);
        Assert.Equal([28, gates * 16], shapes["seq.weight"]);
        Assert.Equal([16, gates * 16], shapes["seq.recurrent_weight"]);
        Assert.Equal([gates * 16], shapes["seq.bias"]);
        Assert.Equal(op == "gru" ? 4 : 3, shapes.Count);
    }

    [Fact]
    public void Lstm_bias_starts_with_the_forget_gate_at_one()
    {
        var model = Compile(Classifier(2, 2, """
            {"id": "rec", "op": "lstm", "inputs": ["x"], "attrs": {"units": 3}},
            {"id": "out", "op": "dense", "inputs": ["rec"], "attrs": {"units": 2}}
            """));

        var bias = model.Parameters.Single(p => p.Name == "rec.bias");
        var values = model.InitialParameters(1).AsSpan(bias.Offset, bias.Size).ToArray();

        Assert.Equal([0f, 0f, 0f, 1f, 1f, 1f, 0f, 0f, 0f, 0f, 0f, 0f], values);
    }

    [Theory]
    [InlineData("rnn")]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void Recurrent_input_without_a_time_axis_fails_naming_the_node_and_the_shape(string op)
    {
        var json = $$$"""
            {"inputs": [{"name": "x", "shape": [12]}, {"name": "y", "shape": [], "dtype": "int32"}],
             "nodes": [{"id": "rec", "op": "{{{op}}}", "inputs": ["x"], "attrs": {"units": 4}},
                       {"id": "out", "op": "dense", "inputs": ["rec"], "attrs": {"units": 2}},
                       {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["out", "y"]}],
             "loss": "loss"}
            """;

        var error = Assert.Throws<ModelFileException>(() => Compile(json));

        Assert.Equal("rec", error.Node);
        Assert.Contains("(batch, time, features)", error.Message);
        Assert.Contains("(batch, 12)", error.Message);
    }

    [Theory]
    [InlineData("rnn")]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void Recurrent_layer_without_units_fails_naming_the_node(string op)
    {
        var json = Classifier(3, 4, $$$"""
            {"id": "rec", "op": "{{{op}}}", "inputs": ["x"]},
            {"id": "out", "op": "dense", "inputs": ["rec"], "attrs": {"units": 2}}
            """);

        var error = Assert.Throws<ModelFileException>(() => Compile(json));

        Assert.Equal("rec", error.Node);
        Assert.Contains("'units'", error.Message);
    }

    [Fact]
    public void Dense_after_a_layer_returning_sequences_fails_with_its_shape()
    {
        var json = Classifier(3, 4, """
            {"id": "rec", "op": "gru", "inputs": ["x"], "attrs": {"units": 5, "return_sequences": true}},
            {"id": "out", "op": "dense", "inputs": ["rec"], "attrs": {"units": 2}}
            """);

        var error = Assert.Throws<ModelFileException>(() => Compile(json));

        Assert.Equal("out", error.Node);
        Assert.Contains("(batch, 3, 5)", error.Message);
    }

    /// <summary>The layer's output for x (Batch, Steps, Features) from the equations in the op's documentation.</summary>
    private static float[] Reference(string op, float[] x, float[] w, float[] u, float[] b, float[]? bh, bool returnSequences)
    {
        const int H = Units;
        var gates = w.Length / Features / H;
        var output = new List<float>();
        for (var e = 0; e < Batch; e++)
        {
            var h = new double[H];
            var c = new double[H];
            for (var t = 0; t < Steps; t++)
            {
                // xw = x_t W + b, hu = h_{t-1} U (+ bh): each (gates * H).
                var xw = new double[gates * H];
                var hu = new double[gates * H];
                for (var j = 0; j < gates * H; j++)
                {
                    xw[j] = b[j];
                    for (var f = 0; f < Features; f++)
                    {
                        xw[j] += x[(((e * Steps) + t) * Features) + f] * (double)w[(f * gates * H) + j];
                    }

                    hu[j] = bh?[j] ?? 0.0;
                    for (var k = 0; k < H; k++)
                    {
                        hu[j] += h[k] * u[(k * gates * H) + j];
                    }
                }

                var next = new double[H];
                for (var j = 0; j < H; j++)
                {
                    switch (op)
                    {
                        case "rnn":
                            next[j] = Math.Tanh(xw[j] + hu[j]);
                            break;
                        case "lstm":
                            var i = Sigmoid(xw[j] + hu[j]);
                            var fg = Sigmoid(xw[H + j] + hu[H + j]);
                            var g = Math.Tanh(xw[(2 * H) + j] + hu[(2 * H) + j]);
                            var o = Sigmoid(xw[(3 * H) + j] + hu[(3 * H) + j]);
                            c[j] = (fg * c[j]) + (i * g);
                            next[j] = o * Math.Tanh(c[j]);
                            break;
                        default:
                            var r = Sigmoid(xw[j] + hu[j]);
                            var z = Sigmoid(xw[H + j] + hu[H + j]);
                            var n = Math.Tanh(xw[(2 * H) + j] + (r * hu[(2 * H) + j]));
                            next[j] = ((1 - z) * n) + (z * h[j]);
                            break;
                    }
                }

                h = next;
                if (returnSequences || t == Steps - 1)
                {
                    output.AddRange(h.Select(v => (float)v));
                }
            }
        }

        return [.. output];
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
}
