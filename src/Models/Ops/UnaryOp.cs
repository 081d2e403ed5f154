// Shared shape rule of exp and log: the output has the input's shape.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>An op y = f(x) applied elementwise by the backend's unary kernels.</summary>
public abstract class UnaryOp : Op
{
    /// <summary>The backend function.</summary>
    protected abstract UnaryFunction Function { get; }

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs) => new(inputs[0], []);

    /// <inheritdoc/>
    public override void Forward(OpRun run) => run.Backend.Unary(Function, run.Input(0), run.Output);

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        if (run.InputGradient(0, out var accumulate) is { } dx)
        {
            run.Backend.UnaryBackward(Function, run.Input(0), run.Output, run.OutputGradient, dx, accumulate);
        }
    }
}
