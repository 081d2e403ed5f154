// hopfield: a Hopfield network's energy as a loss, whose backward pass is Hebb's rule, so a training phase with
// rule "hebbian" stores patterns through the ordinary push-and-apply path.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// Inputs: bipolar states s (B, N) of +-1 and weights W (N, N) (a <c>parameter</c> node, init zeros). Output: the
/// scalar mean energy over the batch, -1/2 s^T W s. Backward: dW = -(1/N) sum_b s_b s_b^T with a zero diagonal
/// (no self-connections): a sum over the batch, not a mean, so one epoch of SGD with learning rate 1 over k
/// patterns stores W = (1/N) sum_p p p^T, Hebb's rule. Not the energy's derivative: the rule's update negated.
/// No gradient to s. No attributes.
/// </summary>
public sealed class Hopfield : Op
{
    /// <inheritdoc/>
    public override string Name => "hopfield";

    /// <inheritdoc/>
    public override int Arity => 2;

    /// <inheritdoc/>
    public override bool IsLoss => true;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        ExpectBatchedRank(attrs, inputs, 0, 1, "states (input 0)");
        var n = inputs[0].Dims[0];
        if (inputs[1].Batched || inputs[1].Rank != 2 || inputs[1].Dims[0] != n || inputs[1].Dims[1] != n)
        {
            throw attrs.Error($"weights (input 1) must be ({n}, {n}) for states {inputs[0]}, got {inputs[1]}");
        }

        // s W (B, N), its column sums (N), and s^T s (N, N).
        return new OpSignature(TensorType.Scalar, [], n, [new WorkspaceSpec(n), new WorkspaceSpec(0, n), new WorkspaceSpec(0, checked(n * n))]);
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // s: (B, N)  W: (N, N)  energy: ()
        var (n, b) = ((int)run.Config!, run.Batch);
        var (s, w, sw, columns) = (run.Input(0), run.Input(1), run.Workspace(0), run.Workspace(1));
        run.Backend.Gemm(false, false, b, n, n, 1f, s, w, 0f, sw);
        run.Backend.MultiplySumRows(sw, s, columns, b, n, accumulate: false);
        run.Backend.ReduceAxis(columns, run.Output, 1, n, 1, -0.5f / b, accumulate: false);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // dW = -(1/N) s^T s off the diagonal.
        if (run.InputGradient(1, out var accumulate) is not { } dw)
        {
            return;
        }

        var (n, b) = ((int)run.Config!, run.Batch);
        var outer = run.Workspace(2);
        run.Backend.Gemm(true, false, n, n, b, -1f / n, run.Input(0), run.Input(0), 0f, outer);
        run.Backend.HopfieldWeightGradient(outer, dw, n, accumulate);
    }
}
