// Shared shape rule and attributes of the hard threshold units step and sign: y has x's shape.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// y = x &gt; threshold (step) or x &gt;= threshold (sign) mapped to two levels, elementwise. Attributes:
/// <c>threshold</c> (default 0) and <c>gradient</c>: <c>none</c> (default) or <c>straight_through</c>.
/// </summary>
public abstract class ThresholdOp : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs) =>
        new(inputs[0], [], new Config(attrs.OptionalFloat("threshold", 0f), StraightThrough.Parse(attrs)));

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // x, y: (B, ...)
        Threshold(run, run.Input(0), run.Output, ((Config)run.Config!).Threshold);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run) => StraightThrough.Backward(run, ((Config)run.Config!).StraightThrough);

    /// <summary>Runs the backend's kernel: y = f(x) against <paramref name="threshold"/>.</summary>
    protected abstract void Threshold(OpRun run, Tensor x, Tensor y, float threshold);

    private sealed record Config(float Threshold, bool StraightThrough);
}
