// concat: joins two or more tensors along one per-example axis.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// Concatenation along attribute <c>axis</c> (a per-example axis: 0 is the first axis after the batch;
/// negative counts from the end; default -1, the last). Inputs are all batched or all unbatched and agree
/// on every other axis.
/// </summary>
public sealed class Concat : Op
{
    /// <inheritdoc/>
    public override string Name => "concat";

    /// <inheritdoc/>
    public override int Arity => 2;

    /// <inheritdoc/>
    public override int MaxArity => int.MaxValue;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        var first = inputs[0];
        var axis = attrs.Axis("axis", first.Rank, -1);
        for (var i = 1; i < inputs.Count; i++)
        {
            var t = inputs[i];
            var agrees = t.Batched == first.Batched && t.Rank == first.Rank
                && Enumerable.Range(0, t.Rank).All(d => d == axis || t.Dims[d] == first.Dims[d]);
            if (!agrees)
            {
                throw attrs.Error($"cannot concatenate input {i} {t} with input 0 {first} along axis {axis}: every other axis, and the batch axis, must agree");
            }
        }

        var dims = (int[])first.Dims.Clone();
        dims[axis] = inputs.Sum(t => t.Dims[axis]);
        var inner = first.Dims[(axis + 1)..].Aggregate(1, (a, b) => a * b);
        var outer = first.Dims[..axis].Aggregate(1, (a, b) => a * b);
        return new OpSignature(new TensorType(dims, first.Batched), [], new Bands(outer, inputs.Select(t => t.Dims[axis] * inner).ToArray()));
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // x_i: (R, w_i) with R = batch x outer  y: (R, sum of w_i); x_i fills the column band starting at sum of w_j, j < i
        var s = (Bands)run.Config!;
        var (rows, total, at) = (Rows(run, s), s.Widths.Sum(), 0);
        for (var i = 0; i < s.Widths.Length; i++)
        {
            run.Backend.CopyStrided(run.Input(i), s.Widths[i], 0, run.Output, total, at, rows, s.Widths[i], accumulate: false);
            at += s.Widths[i];
        }
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // dx_i (+)= the band of dy that x_i filled
        var s = (Bands)run.Config!;
        var (rows, total, at) = (Rows(run, s), s.Widths.Sum(), 0);
        for (var i = 0; i < s.Widths.Length; i++)
        {
            if (run.InputGradient(i, out var accumulate) is { } dx)
            {
                run.Backend.CopyStrided(run.OutputGradient, total, at, dx, s.Widths[i], 0, rows, s.Widths[i], accumulate);
            }

            at += s.Widths[i];
        }
    }

    private static int Rows(OpRun run, Bands s) => run.OutputType.Batched ? run.Batch * s.Outer : s.Outer;

    /// <summary>Rows per example (the axes before the joined one) and each input's floats per row.</summary>
    private sealed record Bands(int Outer, int[] Widths);
}
