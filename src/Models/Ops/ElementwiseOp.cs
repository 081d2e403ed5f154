// Shared shape rule of add, subtract and multiply: equal shapes, or an unbatched operand broadcast over
// the leading axes of the other (a bias (N) against (batch, N)); the gradient of a broadcast operand sums
// over the axes it was repeated along.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>y = f(a, b) elementwise, with broadcasting of an unbatched operand over trailing dims.</summary>
public abstract class ElementwiseOp : Op
{
    /// <summary>The backend function.</summary>
    protected abstract BinaryFunction Function { get; }

    /// <inheritdoc/>
    public override int Arity => 2;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        var (a, b) = (inputs[0], inputs[1]);
        if (a.SameShape(b))
        {
            return new OpSignature(a, [], new Broadcast(false, false, a.Size));
        }

        // The smaller operand must be unbatched and match the other's trailing axes; it then repeats over
        // the batch and the leading axes, which is one row of the (rows x cols) view the kernels take.
        if (!b.Batched && EndsWith(a, b))
        {
            return new OpSignature(a, [], new Broadcast(false, true, b.Size));
        }

        if (!a.Batched && EndsWith(b, a))
        {
            return new OpSignature(b, [], new Broadcast(true, false, a.Size));
        }

        throw attrs.Error($"cannot combine {a} with {b}: the shapes must be equal, or one must be unbatched and equal to the trailing axes of the other, as (N) with (batch, N)");
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // a, b: (R, C) or a broadcast (C)  y: (R, C)
        var s = (Broadcast)run.Config!;
        run.Backend.Binary(Function, run.Input(0), s.A, run.Input(1), s.B, run.Output, Rows(run, s), s.Cols, accumulate: false);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        var s = (Broadcast)run.Config!;
        var rows = Rows(run, s);
        for (var i = 0; i < 2; i++)
        {
            if (run.InputGradient(i, out var accumulate) is { } dx)
            {
                InputGradient(run, i, i == 0 ? s.A : s.B, i == 0 ? s.B : s.A, dx, rows, s.Cols, accumulate);
            }
        }
    }

    /// <summary>
    /// Writes the gradient of input <paramref name="i"/>; <paramref name="broadcast"/> says it holds one row,
    /// <paramref name="otherBroadcast"/> that the other input does.
    /// </summary>
    protected virtual void InputGradient(OpRun run, int i, bool broadcast, bool otherBroadcast, Tensor dx, int rows, int cols, bool accumulate)
    {
        // Linear functions: dx = sign * dy, summed over the rows a broadcast operand met.
        var sign = Function == BinaryFunction.Subtract && i == 1 ? -1f : 1f;
        if (broadcast)
        {
            run.Backend.ReduceAxis(run.OutputGradient, dx, 1, rows, cols, sign, accumulate);
        }
        else
        {
            run.Backend.AddScaled(run.OutputGradient, sign, dx, accumulate);
        }
    }

    private static int Rows(OpRun run, Broadcast s) => run.Output.Length / s.Cols;

    private static bool EndsWith(TensorType big, TensorType small) =>
        small.Rank <= big.Rank && big.Dims.AsSpan(big.Rank - small.Rank).SequenceEqual(small.Dims);

    /// <summary>Which operand is one broadcast row, and the row length.</summary>
    private sealed record Broadcast(bool A, bool B, int Cols);
}
