// sign: the bipolar threshold unit of a Hopfield network: y = x >= threshold ? 1 : -1 (never 0).
using Dtrain.Models.Autodiff;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// x -> same shape, y = 1 where x &gt;= <c>threshold</c>, else -1. Attributes: <c>threshold</c> (default 0),
/// <c>gradient</c>: <c>none</c> (default, no gradient flows) or <c>straight_through</c> (dx = dy).
/// </summary>
public sealed class Sign : ThresholdOp
{
    /// <inheritdoc/>
    public override string Name => "sign";

    /// <inheritdoc/>
    protected override void Threshold(OpRun run, Tensor x, Tensor y, float threshold) => run.Backend.Sign(x, y, threshold);
}
