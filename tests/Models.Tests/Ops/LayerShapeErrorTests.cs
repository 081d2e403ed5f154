// Shape and attribute errors of the layer library: each names the file, the node, and what is wrong (with both
// shapes for a mismatch).
using Dtrain.Models.Graph;

namespace Dtrain.Models.Tests.Ops;

public sealed class LayerShapeErrorTests
{
    [Theory]
    [InlineData("""{"id": "bad", "op": "embedding", "inputs": ["x"], "attrs": {"dim": 8}}""", "missing required attribute 'vocab'")]
    [InlineData("""{"id": "bad", "op": "embedding", "inputs": ["x"], "attrs": {"vocab": 10}}""", "missing required attribute 'dim'")]
    [InlineData("""{"id": "bad", "op": "dropout", "inputs": ["x"], "attrs": {"rate": 1}}""", "attribute 'rate' must be a number in [0, 1), got 1")]
    [InlineData("""{"id": "bad", "op": "dropout", "inputs": ["x"], "attrs": {"rate": -0.1}}""", "attribute 'rate' must be a number in [0, 1)")]
    [InlineData("""{"id": "bad", "op": "batch_norm", "inputs": ["y"]}""", "input must be (batch, channels) or (batch, channels, ...), got (batch)")]
    [InlineData("""{"id": "bad", "op": "batch_norm", "inputs": ["x"], "attrs": {"momentum": 1.5}}""", "attribute 'momentum' must be a number in [0, 1]")]
    [InlineData("""{"id": "bad", "op": "batch_norm", "inputs": ["x"], "attrs": {"epsilon": 0}}""", "attribute 'epsilon' must be a positive number, got 0")]
    [InlineData("""{"id": "bad", "op": "layer_norm", "inputs": ["y"]}""", "got (batch)")]
    [InlineData("""{"id": "bad", "op": "layer_norm", "inputs": ["x"], "attrs": {"epsilon": -1}}""", "attribute 'epsilon' must be a positive number, got -1")]
    [InlineData("""{"id": "bad", "op": "layer_norm", "inputs": ["x"], "attrs": {"axes": 2}}""", "axes 2 exceeds the 1 non-batch axes of input (batch, 4)")]
    [InlineData("""{"id": "bad", "op": "prelu", "inputs": ["y"]}""", "got (batch)")]
    [InlineData("""{"id": "bad", "op": "softmax", "inputs": ["y"]}""", "input must be (batch, ..., classes), got (batch)")]
    [InlineData("""{"id": "bad", "op": "leaky_relu", "inputs": ["x"], "attrs": {"alpha": "small"}}""", "attribute 'alpha' must be a finite number, got \"small\"")]
    [InlineData("""{"id": "bad", "op": "elu", "inputs": ["x"], "attrs": {"alpha": true}}""", "attribute 'alpha' must be a finite number, got true")]
    [InlineData("""{"id": "bad", "op": "linear", "inputs": ["x", "x"]}""", "(linear) takes 1 input(s), got 2")]
    [InlineData("""{"id": "bad", "op": "binary_cross_entropy", "inputs": ["x", "t3"]}""", "logits (batch, 4) and targets (batch, 3) must have the same size")]
    [InlineData("""{"id": "bad", "op": "dense", "inputs": ["x"], "attrs": {"units": 2, "activation": "gelu"}}""", "attribute 'activation' must be one of relu, sigmoid, tanh, none; got \"gelu\"")]
    public void Layer_op_error_names_the_node_and_the_problem(string node, string problem)
    {
        var json = $$"""
            {"inputs": [{"name": "x", "shape": [4]}, {"name": "y", "shape": [], "dtype": "int32"},
                        {"name": "t3", "shape": [3], "dtype": "float32", "source": "features"}],
             "nodes": [{{node}},
                       {"id": "fc", "op": "dense", "inputs": ["x"], "attrs": {"units": 2} },
                       {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc", "y"]}],
             "loss": "loss"}
            """;

        var error = Assert.Throws<ModelFileException>(() => ModelCompiler.Compile(ModelParser.Parse(json, "layers.json")));

        Assert.Equal("bad", error.Node);
        Assert.Equal("layers.json", error.File);
        Assert.Contains(problem, error.Problem);
    }
}
