// What flatten and reshape share: the values keep their row-major order, so forward and backward are copies.
using Dtrain.Models.Autodiff;

namespace Dtrain.Models.Ops;

/// <summary>
/// An op whose output is its input under another per-example shape. The executor gives every value its
/// own buffer, so this costs one copy each way (a few microseconds at LeNet-5's sizes), not a view.
/// </summary>
public abstract class ReshapeOp : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override void Forward(OpRun run) => run.Backend.Copy(run.Input(0), run.Output);

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        if (run.InputGradient(0, out var accumulate) is { } dx)
        {
            if (accumulate)
            {
                run.Backend.Accumulate(run.OutputGradient, dx);
            }
            else
            {
                run.Backend.Copy(run.OutputGradient, dx);
            }
        }
    }
}
