// leaky_relu: y = x for x > 0, alpha x otherwise; dy/dx = 1 or alpha.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>x -> same shape. Attribute: <c>alpha</c>, the negative slope (default 0.01).</summary>
public sealed class LeakyRelu : Op
{
    /// <inheritdoc/>
    public override string Name => "leaky_relu";

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs) =>
        new(inputs[0], [], attrs.OptionalFloat("alpha", 0.01f));

    /// <inheritdoc/>
    public override void Forward(OpRun run) => run.Backend.LeakyRelu(run.Input(0), run.Output, (float)run.Config!);

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        if (run.InputGradient(0, out var accumulate) is { } dx)
        {
            run.Backend.LeakyReluBackward(run.Input(0), run.OutputGradient, dx, (float)run.Config!, accumulate);
        }
    }
}
