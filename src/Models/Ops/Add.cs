// add: y = a + b elementwise, with an unbatched operand broadcast over the other's leading axes.
using Dtrain.Models.Backends;

namespace Dtrain.Models.Ops;

/// <summary>Elementwise sum; see <see cref="ElementwiseOp"/> for broadcasting.</summary>
public sealed class Add : ElementwiseOp
{
    /// <inheritdoc/>
    public override string Name => "add";

    /// <inheritdoc/>
    protected override BinaryFunction Function => BinaryFunction.Add;
}
