// step: the Heaviside unit of a threshold logic unit (McCulloch-Pitts, the perceptron): y = x > threshold ? 1 : 0.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// x -> same shape, y = 1 where x &gt; <c>threshold</c>, else 0. Attributes: <c>threshold</c> (default 0),
/// <c>gradient</c>: <c>none</c> (default, no gradient flows) or <c>straight_through</c> (dx = dy).
/// </summary>
public sealed class Step : ThresholdOp
{
    /// <inheritdoc/>
    public override string Name => "step";

    /// <inheritdoc/>
    protected override void Threshold(OpRun run, Tensor x, Tensor y, float threshold) => run.Backend.Step(x, y, threshold);
}
