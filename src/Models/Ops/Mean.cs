// mean: averages one per-example axis, or all of them, keeping the batch axis.
namespace Dtrain.Models.Ops;

/// <summary>Mean over per-example axes; see <see cref="ReduceOp"/>.</summary>
public sealed class Mean : ReduceOp
{
    /// <inheritdoc/>
    public override string Name => "mean";

    /// <inheritdoc/>
    protected override bool Averages => true;
}
