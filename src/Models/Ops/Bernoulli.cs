// bernoulli: stochastic binary units, y = 1 with probability p, from the executor's step seed (as dropout).
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// p (B, ...) in [0, 1] -> same shape, y = u &lt; p ? 1 : 0 with u uniform from <see cref="OpRun.StepSeed"/> and
/// the element index: identical on every backend, different every step, repeated exactly for a given executor
/// seed. It samples in evaluation too. Attribute: <c>gradient</c>: <c>none</c> (default) or <c>straight_through</c>.
/// </summary>
public sealed class Bernoulli : Op
{
    /// <inheritdoc/>
    public override string Name => "bernoulli";

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        if (!inputs[0].Batched)
        {
            throw attrs.Error($"input must have a batch axis, got {inputs[0]}");
        }

        return new OpSignature(inputs[0], [], StraightThrough.Parse(attrs));
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // p, y: (B, ...)
        run.Backend.Bernoulli(run.Input(0), run.Output, run.StepSeed);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run) => StraightThrough.Backward(run, (bool)run.Config!);
}
