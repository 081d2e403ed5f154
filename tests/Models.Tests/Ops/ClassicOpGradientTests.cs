// The new ops whose true derivative is zero where it exists (step and sign away from the threshold, fill, normal),
// inside a graph with a smooth path beside them: backward must match central finite differences, so these ops
// add nothing to the gradient and pass their output's gradient nowhere.
using static Dtrain.Models.Tests.Ops.LayerGradientCheck;

namespace Dtrain.Models.Tests.Ops;

public sealed class ClassicOpGradientTests
{
    [Theory]
    [InlineData("""{"id": "u", "op": "step", "inputs": ["h"]}""")]
    [InlineData("""{"id": "u", "op": "sign", "inputs": ["h"], "attrs": {"gradient": "none"} }""")]
    [InlineData("""{"id": "u", "op": "fill", "inputs": ["h"], "attrs": {"value": 0.75} }""")]
    [InlineData("""{"id": "u", "op": "normal", "inputs": ["x"], "attrs": {"shape": [5], "std": 0.5} }""")]
    public void Op_beside_a_smooth_path_gradient_matches_finite_differences(string node)
    {
        // out = h + u: the only gradient the dense layer gets is through h itself.
        var json = $$"""
            {"inputs": [{"name": "x", "shape": [4]}, {"name": "t", "shape": [5], "dtype": "float32", "source": "labels"}],
             "nodes": [{"id": "h", "op": "dense", "inputs": ["x"], "attrs": {"units": 5, "bias_init": {"type": "uniform", "scale": 0.5} } },
                       {{node}},
                       {"id": "out", "op": "add", "inputs": ["h", "u"]},
                       {"id": "loss", "op": "mse", "inputs": ["out", "t"]}],
             "loss": "loss"}
            """;

        // Step and sign are flat only away from their threshold (0): no nudge may carry h across it.
        AssertGradientsMatchFiniteDifferences(json, SeedAwayFromKink(json, "h"));
    }
}
