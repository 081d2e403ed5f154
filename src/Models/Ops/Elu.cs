// elu: y = x for x > 0, alpha (e^x - 1) otherwise (Clevert et al. 2015); dy/dx = 1 or y + alpha.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>x -> same shape. Attribute: <c>alpha</c> (default 1).</summary>
public sealed class Elu : Op
{
    /// <inheritdoc/>
    public override string Name => "elu";

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs) =>
        new(inputs[0], [], attrs.OptionalFloat("alpha", 1f));

    /// <inheritdoc/>
    public override void Forward(OpRun run) => run.Backend.Elu(run.Input(0), run.Output, (float)run.Config!);

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        if (run.InputGradient(0, out var accumulate) is { } dx)
        {
            run.Backend.EluBackward(run.Input(0), run.Output, run.OutputGradient, dx, (float)run.Config!, accumulate);
        }
    }
}
