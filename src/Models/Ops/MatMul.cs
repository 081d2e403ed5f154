// matmul: a matrix product, either activations times an unbatched (parameter) matrix through one GEMM,
// or one product per example of two batched matrices.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// y = a b. Forms: a (batch, ..., K) or unbatched (..., K) times an unbatched b (K, N) gives (batch, ..., N)
/// (every leading row of a meets the same b: one GEMM over batch x rows); and a (batch, M, K) times a
/// batched b (batch, K, N) gives (batch, M, N), one product per example.
/// </summary>
public sealed class MatMul : Op
{
    /// <inheritdoc/>
    public override string Name => "matmul";

    /// <inheritdoc/>
    public override int Arity => 2;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        var (a, b) = (inputs[0], inputs[1]);
        if (!b.Batched && b.Rank == 2 && a.Rank >= 1)
        {
            if (a.Dims[^1] != b.Dims[0])
            {
                throw attrs.Error($"cannot multiply {a} by {b}: the last axis of the left ({a.Dims[^1]}) must equal the first of the right ({b.Dims[0]})");
            }

            return new OpSignature(new TensorType([.. a.Dims[..^1], b.Dims[1]], a.Batched), [], new Shape(false, a.Size / a.Dims[^1], b.Dims[0], b.Dims[1]));
        }

        if (a.Batched && b.Batched && a.Rank == 2 && b.Rank == 2)
        {
            if (a.Dims[1] != b.Dims[0])
            {
                throw attrs.Error($"cannot multiply {a} by {b} per example: the left's K ({a.Dims[1]}) must equal the right's ({b.Dims[0]})");
            }

            return new OpSignature(new TensorType([a.Dims[0], b.Dims[1]], true), [], new Shape(true, a.Dims[0], a.Dims[1], b.Dims[1]));
        }

        throw attrs.Error($"cannot multiply {a} by {b}: matmul takes (batch, ..., K) x (K, N) with an unbatched right side, or (batch, M, K) x (batch, K, N)");
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        var s = (Shape)run.Config!;
        if (s.PerExample)
        {
            // a: (B, M, K)  b: (B, K, N)  y: (B, M, N)
            run.Backend.BatchedGemm(false, false, run.Batch, s.M, s.N, s.K, 1f, run.Input(0), run.Input(1), 0f, run.Output);
            return;
        }

        // a: (B*M, K)  b: (K, N)  y: (B*M, N)
        run.Backend.Gemm(false, false, Rows(run, s), s.N, s.K, 1f, run.Input(0), run.Input(1), 0f, run.Output);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        var s = (Shape)run.Config!;
        var dy = run.OutputGradient;
        if (s.PerExample)
        {
            // da = dy b^T: (B, M, K)  db = a^T dy: (B, K, N)
            if (run.InputGradient(0, out var accA) is { } da)
            {
                run.Backend.BatchedGemm(false, true, run.Batch, s.M, s.K, s.N, 1f, dy, run.Input(1), accA ? 1f : 0f, da);
            }

            if (run.InputGradient(1, out var accB) is { } db)
            {
                run.Backend.BatchedGemm(true, false, run.Batch, s.K, s.N, s.M, 1f, run.Input(0), dy, accB ? 1f : 0f, db);
            }

            return;
        }

        // dy: (R, N) with R = batch x rows  da = dy b^T: (R, K)  db = a^T dy: (K, N), summed over all R rows
        var rows = Rows(run, s);
        if (run.InputGradient(0, out var accumulateA) is { } dx)
        {
            run.Backend.Gemm(false, true, rows, s.K, s.N, 1f, dy, run.Input(1), accumulateA ? 1f : 0f, dx);
        }

        if (run.InputGradient(1, out var accumulateB) is { } dw)
        {
            run.Backend.Gemm(true, false, s.K, s.N, rows, 1f, run.Input(0), dy, accumulateB ? 1f : 0f, dw);
        }
    }

    private static int Rows(OpRun run, Shape s) => run.InputType(0).Batched ? run.Batch * s.M : s.M;

    /// <summary>The product's dimensions: M rows (per example, or per example of a), K inner, N columns.</summary>
    private sealed record Shape(bool PerExample, int M, int K, int N);
}
