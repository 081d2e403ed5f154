// Shared shape rule of sum and mean: reduce one per-example axis, or all of them; the batch axis stays.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// Reduces per-example axis <c>axis</c> (negative counts from the end), or every per-example axis when
/// <c>axis</c> is absent, so each example keeps its own result. <c>keep_dims</c> (default false) keeps a
/// reduced axis with length 1.
/// </summary>
public abstract class ReduceOp : Op
{
    /// <summary>True for the mean, false for the sum.</summary>
    protected abstract bool Averages { get; }

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        var x = inputs[0];
        var keep = attrs.OptionalBool("keep_dims", false);
        if (attrs.OptionalInt("axis") is null)
        {
            // Every per-example axis: one (outer 1) run of all the example's floats.
            var whole = new TensorType(keep ? x.Dims.Select(_ => 1).ToArray() : [], x.Batched);
            return new OpSignature(whole, [], new View(1, x.Size, 1));
        }

        var axis = attrs.Axis("axis", x.Rank);
        var dims = keep ? x.Dims.Select((d, i) => i == axis ? 1 : d).ToArray() : x.Dims.Where((_, i) => i != axis).ToArray();
        var outer = x.Dims[..axis].Aggregate(1, (a, b) => a * b);
        var inner = x.Dims[(axis + 1)..].Aggregate(1, (a, b) => a * b);
        return new OpSignature(new TensorType(dims, x.Batched), [], new View(outer, x.Dims[axis], inner));
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // x: (B*outer, length, inner)  y: (B*outer, inner)
        var s = (View)run.Config!;
        run.Backend.ReduceAxis(run.Input(0), run.Output, Outer(run, s), s.Length, s.Inner, Scale(s), accumulate: false);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // dx[o, a, i] = scale * dy[o, i] for every a
        var s = (View)run.Config!;
        if (run.InputGradient(0, out var accumulate) is { } dx)
        {
            run.Backend.BroadcastAxis(run.OutputGradient, dx, Outer(run, s), s.Length, s.Inner, Scale(s), accumulate);
        }
    }

    private float Scale(View s) => Averages ? 1f / s.Length : 1f;

    private static int Outer(OpRun run, View s) => run.OutputType.Batched ? run.Batch * s.Outer : s.Outer;

    /// <summary>The input as (outer, length, inner) per example, length being the reduced axis.</summary>
    private sealed record View(int Outer, int Length, int Inner);
}
