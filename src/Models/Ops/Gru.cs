// gru: gated recurrent unit (Cho et al., 2014) in PyTorch's formulation, with backpropagation through time.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Graph;
using Dtrain.Models.Initializers;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// GRU over x: (batch, T, F), as torch.nn.GRU (and Keras with reset_after=true) computes it: gates [r | z | n]
/// side by side in W (F, 3H), U (H, 3H), b (3H) and the recurrent bias bh (3H);
/// r = sigmoid(x W_r + b_r + h U_r + bh_r), z likewise, n = tanh(x W_n + b_n + r (h U_n + bh_n)),
/// h_t = (1 - z) n + z h_{t-1}. Cho et al. apply r to h before multiplying by U_n; applying it after lets one GEMM
/// compute h U for all three gates. Attributes: <c>units</c> (required), <c>return_sequences</c> (default false),
/// <c>weight_init</c> (default glorot_uniform), <c>recurrent_init</c> (default orthogonal), <c>bias_init</c>
/// (default zeros, for both biases).
/// </summary>
public sealed class Gru : RecurrentOp
{
    /// <summary>(3H) per example: h_{t-1} U of the current step.</summary>
    private const int RecurrentProductWorkspace = FirstCellWorkspace;

    /// <summary>(T, H) per example: h_{t-1} U_n + bh_n, which the reset gate scaled.</summary>
    private const int ResetInputWorkspace = FirstCellWorkspace + 1;

    /// <summary>(T, 3H) per example: d loss / d (h_{t-1} U + bh).</summary>
    private const int RecurrentGradientWorkspace = FirstCellWorkspace + 2;

    /// <inheritdoc/>
    public override string Name => "gru";

    /// <inheritdoc/>
    protected override int Gates => 3;

    /// <inheritdoc/>
    protected override IEnumerable<ParameterSpec> CellParameters(NodeAttributes attrs, RecurrentConfig config) =>
        [new("recurrent_bias", [config.GateWidth], attrs.OptionalInitializer("bias_init", Initializer.Zeros), config.Units, config.GateWidth)];

    /// <inheritdoc/>
    protected override IEnumerable<WorkspaceSpec> CellWorkspaces(RecurrentConfig config) =>
        [new(config.GateWidth), new(checked(config.Steps * config.Units)), new(checked(config.Steps * config.GateWidth))];

    /// <inheritdoc/>
    protected override void ForwardStep(OpRun run, RecurrentConfig config, int step, StridedMatrix h)
    {
        // hU: (B, 3H) = h_{t-1} U, kept apart from x_t W because the reset gate scales only its n block.
        var hU = StridedMatrix.Dense(run.Workspace(RecurrentProductWorkspace), config.GateWidth);
        if (step > 0)
        {
            AddRecurrentProduct(run, config, step, hU, 0f);
        }
        else
        {
            run.Backend.FillRows(hU, run.Batch, config.GateWidth, 0f);
        }

        run.Backend.GruForwardStep(
            GateStep(run.Workspace(GatesWorkspace), config, run.Batch, step),
            run.Parameter(2),
            hU,
            run.Parameter(3),
            UnitStep(run.Workspace(HiddenWorkspace), config, run.Batch, step),
            UnitStep(run.Workspace(ResetInputWorkspace), config, run.Batch, step),
            h,
            run.Batch,
            config.Units);
    }

    /// <inheritdoc/>
    protected override void BackwardStep(OpRun run, RecurrentConfig config, int step, StridedMatrix dh)
    {
        // dGates_t, dRecurrent_t: (B, 3H); dh becomes dh z, then dh_{t-1} = dh z + dRecurrent_t U^T.
        var dRecurrent = GateStep(run.Workspace(RecurrentGradientWorkspace), config, run.Batch, step);
        run.Backend.GruBackwardStep(
            GateStep(run.Workspace(GatesWorkspace), config, run.Batch, step),
            UnitStep(run.Workspace(ResetInputWorkspace), config, run.Batch, step),
            UnitStep(run.Workspace(HiddenWorkspace), config, run.Batch, step),
            dh,
            GateStep(run.Workspace(GateGradientWorkspace), config, run.Batch, step),
            dRecurrent,
            run.Batch,
            config.Units);
        if (step > 0)
        {
            BackPropagateThroughRecurrence(run, config, dRecurrent, dh, 1f);
        }
    }

    /// <inheritdoc/>
    protected override Tensor RecurrentGateGradients(OpRun run) => run.Workspace(RecurrentGradientWorkspace);

    /// <inheritdoc/>
    protected override void BackwardCellParameters(OpRun run, RecurrentConfig config) =>
        run.Backend.SumRows(run.Workspace(RecurrentGradientWorkspace), run.ParameterGradient(3), run.Batch * config.Steps, config.GateWidth, run.AccumulateParameterGradients);
}
