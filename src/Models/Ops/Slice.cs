// slice: the range [start, end) of one per-example axis.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// Keeps indices [<c>start</c>, <c>end</c>) of per-example axis <c>axis</c> (required; negative counts from
/// the end). <c>start</c> defaults to 0 and <c>end</c> to the axis length; negative values count from the end.
/// </summary>
public sealed class Slice : Op
{
    /// <inheritdoc/>
    public override string Name => "slice";

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        var x = inputs[0];
        var axis = attrs.Axis("axis", x.Rank);
        var length = x.Dims[axis];
        var start = attrs.OptionalInt("start") ?? 0;
        var end = attrs.OptionalInt("end") ?? length;
        var (from, to) = (start < 0 ? start + length : start, end < 0 ? end + length : end);
        if (from < 0 || to > length || from >= to)
        {
            throw attrs.Error($"slice [{start}, {end}) of axis {axis} is empty or outside the input {x}, whose axis {axis} has {length} entries");
        }

        var dims = (int[])x.Dims.Clone();
        dims[axis] = to - from;
        var inner = x.Dims[(axis + 1)..].Aggregate(1, (a, b) => a * b);
        var outer = x.Dims[..axis].Aggregate(1, (a, b) => a * b);
        return new OpSignature(new TensorType(dims, x.Batched), [], new Band(outer, length * inner, from * inner, (to - from) * inner));
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // x: (R, width)  y: (R, count) = x[:, start : start + count]
        var s = (Band)run.Config!;
        run.Backend.CopyStrided(run.Input(0), s.Width, s.Start, run.Output, s.Count, 0, Rows(run, s), s.Count, accumulate: false);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // dx: zero outside the band, dy inside it
        var s = (Band)run.Config!;
        if (run.InputGradient(0, out var accumulate) is { } dx)
        {
            if (!accumulate)
            {
                run.Backend.Fill(dx, 0f);
            }

            run.Backend.CopyStrided(run.OutputGradient, s.Count, 0, dx, s.Width, s.Start, Rows(run, s), s.Count, accumulate);
        }
    }

    private static int Rows(OpRun run, Band s) => run.OutputType.Batched ? run.Batch * s.Outer : s.Outer;

    /// <summary>Rows per example, floats per input row, and the kept band's first float and length.</summary>
    private sealed record Band(int Outer, int Width, int Start, int Count);
}
