// binary_cross_entropy: mean over every element of the logistic loss of logits against targets in [0, 1].
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// Inputs: logits z and targets y in [0, 1] of the same size (y a float32 model input with source "labels").
/// Output: the scalar mean of -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))], computed from the logits so it
/// never overflows. Gradient: (sigmoid(z) - y) / count.
/// </summary>
public sealed class BinaryCrossEntropy : Op
{
    /// <inheritdoc/>
    public override string Name => "binary_cross_entropy";

    /// <inheritdoc/>
    public override int Arity => 2;

    /// <inheritdoc/>
    public override bool IsLoss => true;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        if (!inputs[0].Batched)
        {
            throw attrs.Error($"logits (input 0) must have a batch axis, got {inputs[0]}");
        }

        if (!inputs[1].Batched || inputs[0].Size != inputs[1].Size)
        {
            throw attrs.Error($"logits {inputs[0]} and targets {inputs[1]} must have the same size");
        }

        return new OpSignature(TensorType.Scalar, []);
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // logits: (B, ...)  targets: (B, ...)  loss: ()
        var count = run.Batch * run.InputType(0).Size;
        run.Backend.BinaryCrossEntropyWithLogits(run.Input(0), run.Input(1), count, run.Output, null, false, null, false);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // The loss is the root, so the kernel writes d(loss)/d(input) directly; targets usually need none (data).
        var count = run.Batch * run.InputType(0).Size;
        var dlogits = run.InputGradient(0, out var accumulateLogits);
        var dtargets = run.InputGradient(1, out var accumulateTargets);
        if (dlogits is not null || dtargets is not null)
        {
            run.Backend.BinaryCrossEntropyWithLogits(run.Input(0), run.Input(1), count, run.Output, dlogits, accumulateLogits, dtargets, accumulateTargets);
        }
    }
}
