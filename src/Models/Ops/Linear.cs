// linear: the identity activation, y = x (a named no-op, e.g. to mark a layer's output).
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>x -> same shape, y = x; dx = dy.</summary>
public sealed class Linear : Op
{
    /// <inheritdoc/>
    public override string Name => "linear";

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs) => new(inputs[0], []);

    /// <inheritdoc/>
    public override void Forward(OpRun run) => run.Backend.ScaleInto(run.Input(0), 1f, run.Output, accumulate: false);

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        if (run.InputGradient(0, out var accumulate) is { } dx)
        {
            run.Backend.ScaleInto(run.OutputGradient, 1f, dx, accumulate);
        }
    }
}
