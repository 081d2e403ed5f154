// stop_gradient: the identity forward, and no gradient backward (a target built from the model's own output).
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>x -> same shape, y = x; backward sends nothing to x. No attributes.</summary>
public sealed class StopGradient : Op
{
    /// <inheritdoc/>
    public override string Name => "stop_gradient";

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs) => new(inputs[0], []);

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // x, y: (B, ...)
        run.Backend.ScaleInto(run.Input(0), 1f, run.Output, accumulate: false);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // The point of the op: x's producers see no gradient from this path.
    }
}
