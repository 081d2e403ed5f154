// subtract: y = a - b elementwise, with an unbatched operand broadcast over the other's leading axes.
using Dtrain.Models.Backends;

namespace Dtrain.Models.Ops;

/// <summary>Elementwise difference; see <see cref="ElementwiseOp"/> for broadcasting.</summary>
public sealed class Subtract : ElementwiseOp
{
    /// <inheritdoc/>
    public override string Name => "subtract";

    /// <inheritdoc/>
    protected override BinaryFunction Function => BinaryFunction.Subtract;
}
