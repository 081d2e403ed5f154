// dropout: inverted dropout in training (a seeded mask kept for backward), the identity in evaluation.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// x -> same shape. Training: each element is zeroed with probability <c>rate</c> and the rest scaled by
/// 1 / (1 - rate), so evaluation needs no rescaling and is the identity. The mask comes from
/// <see cref="OpRun.StepSeed"/>: a step repeats exactly for a given executor seed. Attribute: <c>rate</c> in [0, 1) (default 0.5).
/// </summary>
public sealed class Dropout : Op
{
    /// <inheritdoc/>
    public override string Name => "dropout";

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        if (!inputs[0].Batched)
        {
            throw attrs.Error($"input must have a batch axis, got {inputs[0]}");
        }

        var rate = attrs.OptionalFloatInRange("rate", 0.5f, 0f, 1f, maxExclusive: true);
        return new OpSignature(inputs[0], [], new Config(rate), [new WorkspaceSpec(inputs[0].Size)]);
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // x, y, mask: (B, ...)
        var rate = ((Config)run.Config!).Rate;
        if (!run.Training || rate == 0f)
        {
            run.Backend.ScaleInto(run.Input(0), 1f, run.Output, accumulate: false);
            return;
        }

        run.Backend.DropoutMask(run.Workspace(0), rate, run.StepSeed);
        run.Backend.DropoutApply(run.Input(0), run.Workspace(0), run.Output, accumulate: false);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // dx = dy * mask: the mask of this step's forward pass, still in the workspace.
        if (run.InputGradient(0, out var accumulate) is not { } dx)
        {
            return;
        }

        if (((Config)run.Config!).Rate == 0f)
        {
            run.Backend.ScaleInto(run.OutputGradient, 1f, dx, accumulate);
            return;
        }

        run.Backend.DropoutApply(run.OutputGradient, run.Workspace(0), dx, accumulate);
    }

    private sealed record Config(float Rate);
}
