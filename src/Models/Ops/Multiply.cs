// multiply: y = a * b elementwise (Hadamard), with an unbatched operand broadcast over the other's leading axes.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>Elementwise product; see <see cref="ElementwiseOp"/> for broadcasting.</summary>
public sealed class Multiply : ElementwiseOp
{
    /// <inheritdoc/>
    public override string Name => "multiply";

    /// <inheritdoc/>
    protected override BinaryFunction Function => BinaryFunction.Multiply;

    /// <inheritdoc/>
    protected override void InputGradient(OpRun run, int i, bool broadcast, bool otherBroadcast, Tensor dx, int rows, int cols, bool accumulate)
    {
        // d(a b)/da = b: da = dy * b (R, C), or summed over the R rows when a is one broadcast row (C).
        var other = run.Input(1 - i);
        if (broadcast)
        {
            run.Backend.MultiplySumRows(run.OutputGradient, other, dx, rows, cols, accumulate);
        }
        else
        {
            run.Backend.Binary(BinaryFunction.Multiply, run.OutputGradient, false, other, otherBroadcast, dx, rows, cols, accumulate);
        }
    }
}
