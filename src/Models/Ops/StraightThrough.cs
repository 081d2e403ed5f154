// The "gradient" attribute of the ops whose forward pass has no useful derivative (step, sign, bernoulli):
// none stops the gradient, straight_through passes dy to the input unchanged (Bengio et al., 2013).
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;

namespace Dtrain.Models.Ops;

/// <summary>Reads the <c>gradient</c> attribute and runs the straight-through backward pass.</summary>
internal static class StraightThrough
{
    /// <summary>True when the node's <c>gradient</c> attribute is <c>straight_through</c>; <c>none</c> (the default) gives false.</summary>
    public static bool Parse(NodeAttributes attrs) =>
        attrs.OptionalChoice("gradient", "none", "none", "straight_through") == "straight_through";

    /// <summary>dx (+)= dy when <paramref name="enabled"/>; otherwise no gradient reaches the input.</summary>
    public static void Backward(OpRun run, bool enabled)
    {
        // x, dx, dy: (B, ...)
        if (enabled && run.InputGradient(0, out var accumulate) is { } dx)
        {
            run.Backend.ScaleInto(run.OutputGradient, 1f, dx, accumulate);
        }
    }
}
