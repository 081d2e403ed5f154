// transpose: permutes the per-example axes (the batch axis stays first).
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// Output axis k is input axis <c>perm[k]</c>, over the per-example axes (the batch axis is not counted and
/// stays first). Default <c>perm</c>: the axes reversed, which swaps the two axes of a matrix.
/// </summary>
public sealed class Transpose : Op
{
    /// <inheritdoc/>
    public override string Name => "transpose";

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        var x = inputs[0];
        var perm = attrs.OptionalIntArray("perm") ?? Enumerable.Range(0, x.Rank).Reverse().ToArray();
        if (perm.Length != x.Rank || !perm.Order().SequenceEqual(Enumerable.Range(0, x.Rank)))
        {
            throw attrs.Error($"perm [{string.Join(", ", perm)}] is not a permutation of the {x.Rank} per-example axes of {x} (the batch axis is not counted)");
        }

        var inverse = new int[perm.Length];
        for (var k = 0; k < perm.Length; k++)
        {
            inverse[perm[k]] = k;
        }

        var dims = perm.Select(p => x.Dims[p]).ToArray();
        return new OpSignature(new TensorType(dims, x.Batched), [], new Axes(x.Dims, perm, dims, inverse));
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // x: (B, d_0, ..., d_n)  y: (B, d_perm[0], ..., d_perm[n])
        var s = (Axes)run.Config!;
        run.Backend.Permute(run.Input(0), run.Output, Examples(run), s.In, s.Perm, accumulate: false);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // dx = dy permuted back by the inverse permutation
        var s = (Axes)run.Config!;
        if (run.InputGradient(0, out var accumulate) is { } dx)
        {
            run.Backend.Permute(run.OutputGradient, dx, Examples(run), s.Out, s.Inverse, accumulate);
        }
    }

    private static int Examples(OpRun run) => run.OutputType.Batched ? run.Batch : 1;

    /// <summary>Input dims, the permutation, output dims and the inverse permutation.</summary>
    private sealed record Axes(int[] In, int[] Perm, int[] Out, int[] Inverse);
}
