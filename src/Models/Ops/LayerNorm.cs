// layer_norm: normalization of each example over its trailing axes, with a learned scale and shift.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Initializers;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// x (batch, ...) -> same shape, each slice over the last <c>axes</c> axes (default 1) normalized to zero mean and
/// unit variance (biased), then y = gamma * xhat + beta with gamma, beta of the normalized shape. The same in
/// training and evaluation. Attributes: <c>axes</c> (default 1), <c>epsilon</c> (default 1e-5).
/// </summary>
public sealed class LayerNorm : Op
{
    /// <inheritdoc/>
    public override string Name => "layer_norm";

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        var x = inputs[0];
        if (!x.Batched || x.Rank < 1)
        {
            throw attrs.Error($"input must be (batch, features) or (batch, ..., features), got {x}");
        }

        var axes = attrs.OptionalPositiveInt("axes", 1);
        if (axes > x.Rank)
        {
            throw attrs.Error($"axes {axes} exceeds the {x.Rank} non-batch axes of input {x}");
        }

        var epsilon = attrs.OptionalPositiveFloat("epsilon", 1e-5f);
        int[] normalized = x.Dims[^axes..];
        var cols = normalized.Aggregate(1, (a, b) => a * b);
        var outer = x.Size / cols;
        ParameterSpec[] parameters =
        [
            new("gamma", normalized, new Initializer(InitKind.Constant, 1f), cols, cols),
            new("beta", normalized, Initializer.Zeros, cols, cols),
        ];

        // Workspace: each normalized slice's mean and 1/sqrt(var + eps), kept for backward.
        return new OpSignature(x, parameters, new Config(cols, epsilon), [new WorkspaceSpec(2 * outer)]);
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // x, y: (rows, cols) with rows = B * outer  gamma, beta: (cols)  saved: (2 rows)
        var config = (Config)run.Config!;
        var rows = run.Batch * run.InputType(0).Size / config.Cols;
        run.Backend.LayerNorm(run.Input(0), run.Parameter(0), run.Parameter(1), run.Output, run.Workspace(0), rows, config.Cols, config.Epsilon);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        var config = (Config)run.Config!;
        var rows = run.Batch * run.InputType(0).Size / config.Cols;
        var dx = run.InputGradient(0, out var accumulate);
        run.Backend.LayerNormBackward(
            run.Input(0), run.Parameter(0), run.OutputGradient, run.Workspace(0), dx, run.ParameterGradient(0), run.ParameterGradient(1),
            rows, config.Cols, accumulate, run.AccumulateParameterGradients);
    }

    private sealed record Config(int Cols, float Epsilon);
}
