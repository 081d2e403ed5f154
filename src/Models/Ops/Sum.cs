// sum: adds up one per-example axis, or all of them, keeping the batch axis.
namespace Dtrain.Models.Ops;

/// <summary>Sum over per-example axes; see <see cref="ReduceOp"/>.</summary>
public sealed class Sum : ReduceOp
{
    /// <inheritdoc/>
    public override string Name => "sum";

    /// <inheritdoc/>
    protected override bool Averages => false;
}
