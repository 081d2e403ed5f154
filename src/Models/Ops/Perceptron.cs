// perceptron: Rosenblatt's learning rule as a loss, so a training phase with rule "perceptron" runs it through the
// ordinary push-and-apply path: the fraction of units wrong forward, the error-driven update backward.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// Inputs: pre-activations z (B, K) and targets t (B, K) in {0, 1} (a float32 model input with source
/// "labels"). Output: the scalar fraction of the B * K threshold units whose output step(z) = (z &gt; 0 ? 1 : 0)
/// differs from t. Backward: dz = -(t - step(z)) / B, not the derivative of the output (which is 0 almost
/// everywhere) but the rule's update negated, so SGD with learning rate eta applies w += eta sum_b (t - y) x / B.
/// No gradient to t. No attributes.
/// </summary>
public sealed class Perceptron : Op
{
    /// <inheritdoc/>
    public override string Name => "perceptron";

    /// <inheritdoc/>
    public override int Arity => 2;

    /// <inheritdoc/>
    public override bool IsLoss => true;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        ExpectBatchedRank(attrs, inputs, 0, 1, "pre-activations (input 0)");
        if (!inputs[1].SameShape(inputs[0]))
        {
            throw attrs.Error($"pre-activations {inputs[0]} and targets {inputs[1]} must have the same shape");
        }

        return new OpSignature(TensorType.Scalar, []);
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // z, t: (B, K)  loss: ()
        run.Backend.Perceptron(run.Input(0), run.Input(1), run.Batch, run.InputType(0).Size, run.Output, null, false);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // The loss is the root: the kernel writes the rule's dz directly.
        if (run.InputGradient(0, out var accumulate) is { } dz)
        {
            run.Backend.Perceptron(run.Input(0), run.Input(1), run.Batch, run.InputType(0).Size, run.Output, dz, accumulate);
        }
    }
}
