// mse: mean over every element of (prediction - target)^2.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>Inputs: prediction and target of the same shape. Output: the scalar mean squared error.</summary>
public sealed class MeanSquaredError : Op
{
    /// <inheritdoc/>
    public override string Name => "mse";

    /// <inheritdoc/>
    public override int Arity => 2;

    /// <inheritdoc/>
    public override bool IsLoss => true;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        if (!inputs[0].Batched)
        {
            throw attrs.Error($"prediction (input 0) must have a batch axis, got {inputs[0]}");
        }

        if (inputs[0].Size != inputs[1].Size || !inputs[1].Batched)
        {
            throw attrs.Error($"prediction {inputs[0]} and target {inputs[1]} must have the same shape");
        }

        return new OpSignature(TensorType.Scalar, []);
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // prediction: (B, ...)  target: (B, ...)  loss: ()
        var count = run.Batch * run.InputType(0).Size;
        run.Backend.MeanSquaredError(run.Input(0), run.Input(1), count, run.Output, null, false);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        var count = run.Batch * run.InputType(0).Size;
        if (run.InputGradient(0, out var accumulate) is { } dprediction)
        {
            run.Backend.MeanSquaredError(run.Input(0), run.Input(1), count, run.Output, dprediction, accumulate);
        }

        // The target may be computed too (mse joining two branches): the loss is symmetric, so swapping
        // the arguments gives d(loss)/d(target) = 2 (target - prediction) / count.
        if (run.InputGradient(1, out var targetAccumulates) is { } dtarget)
        {
            run.Backend.MeanSquaredError(run.Input(1), run.Input(0), count, run.Output, dtarget, targetAccumulates);
        }
    }
}
