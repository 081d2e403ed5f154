// softmax_cross_entropy: mean over the batch of -log softmax(logits)[label], for integer class labels.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// Inputs: logits (batch, classes) and labels (batch) of class ids. Output: the scalar mean loss.
/// Gradient: (softmax(logits) - onehot(label)) / batch.
/// </summary>
public sealed class SoftmaxCrossEntropy : Op
{
    /// <inheritdoc/>
    public override string Name => "softmax_cross_entropy";

    /// <inheritdoc/>
    public override int Arity => 2;

    /// <inheritdoc/>
    public override bool IsLoss => true;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        ExpectBatchedRank(attrs, inputs, 0, 1, "logits (input 0)");
        ExpectBatchedRank(attrs, inputs, 1, 0, "labels (input 1)");
        return new OpSignature(TensorType.Scalar, []);
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // logits: (B, C)  labels: (B)  loss: ()
        run.Backend.SoftmaxCrossEntropy(run.Input(0), run.Input(1), run.Batch, run.InputType(0).Dims[0], run.Output, null, false);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        if (run.InputGradient(0, out var accumulate) is not { } dlogits)
        {
            return;
        }

        // The loss is the root: d(loss)/d(loss) = 1, so the kernel writes the gradient directly.
        run.Backend.SoftmaxCrossEntropy(run.Input(0), run.Input(1), run.Batch, run.InputType(0).Dims[0], run.Output, dlogits, accumulate);
    }
}
