// softmax: probabilities over the last axis, with the Jacobian-vector product y * (dy - <dy, y>) backward.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// x (batch, ..., K) -> same shape, softmax over the last axis. To train a classifier, feed the logits to
/// <c>softmax_cross_entropy</c> instead: it fuses the two stably.
/// </summary>
public sealed class Softmax : Op
{
    /// <inheritdoc/>
    public override string Name => "softmax";

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        if (!inputs[0].Batched || inputs[0].Rank < 1)
        {
            throw attrs.Error($"input must be (batch, ..., classes), got {inputs[0]}");
        }

        return new OpSignature(inputs[0], []);
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // x, y: (rows, K) with rows = B * outer
        var (rows, cols) = Layout(run);
        run.Backend.Softmax(run.Input(0), run.Output, rows, cols);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        if (run.InputGradient(0, out var accumulate) is { } dx)
        {
            var (rows, cols) = Layout(run);
            run.Backend.SoftmaxBackward(run.Output, run.OutputGradient, dx, rows, cols, accumulate);
        }
    }

    private static (int Rows, int Cols) Layout(OpRun run)
    {
        var cols = run.InputType(0).Dims[^1];
        return (run.Batch * run.InputType(0).Size / cols, cols);
    }
}
