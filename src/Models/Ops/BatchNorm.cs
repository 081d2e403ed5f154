// batch_norm: per-channel normalization by batch statistics in training, by running estimates in evaluation.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Initializers;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// x (batch, C) or (batch, C, ...) -> same shape, normalized per channel C over the batch and every trailing axis
/// (the spatial axes of NCHW images), then scaled by gamma and shifted by beta (learned). The running mean and
/// variance are model state (not trainable): a training forward pass moves them by <c>momentum</c> toward the
/// batch's statistics (PyTorch's convention: running = (1 - momentum) running + momentum batch, unbiased variance),
/// and evaluation normalizes with them. Attributes: <c>momentum</c> in [0, 1] (default 0.1), <c>epsilon</c> (default 1e-5).
/// </summary>
public sealed class BatchNorm : Op
{
    /// <inheritdoc/>
    public override string Name => "batch_norm";

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        var x = inputs[0];
        if (!x.Batched || x.Rank < 1)
        {
            throw attrs.Error($"input must be (batch, channels) or (batch, channels, ...), got {x}");
        }

        var momentum = attrs.OptionalFloatInRange("momentum", 0.1f, 0f, 1f);
        var epsilon = attrs.OptionalPositiveFloat("epsilon", 1e-5f);
        var c = x.Dims[0];
        var one = new Initializer(InitKind.Constant, 1f);
        ParameterSpec[] parameters =
        [
            new("gamma", [c], one, c, c),
            new("beta", [c], Initializer.Zeros, c, c),
            new("running_mean", [c], Initializer.Zeros, c, c, Trainable: false),
            new("running_var", [c], one, c, c, Trainable: false),
        ];

        // Workspaces: the batch mean and 1/sqrt(var + eps) saved for backward; per-channel sums of the backward pass.
        return new OpSignature(x, parameters, new Config(momentum, epsilon), [new WorkspaceSpec(0, 2 * c), new WorkspaceSpec(0, 2 * c)]);
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // x, y: (B, C, inner)  gamma, beta, running_mean, running_var: (C)
        var config = (Config)run.Config!;
        var (c, inner) = Layout(run);
        if (run.Training)
        {
            run.Backend.BatchNormTraining(
                run.Input(0), run.Parameter(0), run.Parameter(1), run.Parameter(2), run.Parameter(3), run.Output, run.Workspace(0), run.Batch, c, inner, config.Momentum, config.Epsilon);
        }
        else
        {
            run.Backend.BatchNormInference(run.Input(0), run.Parameter(0), run.Parameter(1), run.Parameter(2), run.Parameter(3), run.Output, run.Batch, c, inner, config.Epsilon);
        }
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // dy, dx: (B, C, inner)  dgamma, dbeta: (C). The running statistics get no gradient: their gradient slots
        // stay zero, and workers push their values instead.
        var (c, inner) = Layout(run);
        var dx = run.InputGradient(0, out var accumulate);
        run.Backend.BatchNormBackward(
            run.Input(0), run.Parameter(0), run.OutputGradient, run.Workspace(0), run.Workspace(1), dx, run.ParameterGradient(0), run.ParameterGradient(1),
            run.Batch, c, inner, accumulate, run.AccumulateParameterGradients);
    }

    private static (int Channels, int Inner) Layout(OpRun run)
    {
        var type = run.InputType(0);
        return (type.Dims[0], type.Size / type.Dims[0]);
    }

    private sealed record Config(float Momentum, float Epsilon);
}
