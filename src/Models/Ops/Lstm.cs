// lstm: long short-term memory (Hochreiter and Schmidhuber, 1997, with forget gate), with backpropagation through time.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Initializers;

namespace Dtrain.Models.Ops;

/// <summary>
/// LSTM over x: (batch, T, F). Gates [i | f | g | o] side by side in W (F, 4H), U (H, 4H) and b (4H):
/// i, f, o = sigmoid, g = tanh of x_t W + h_{t-1} U + b; c_t = f c_{t-1} + i g; h_t = o tanh(c_t).
/// Attributes: <c>units</c> (required), <c>return_sequences</c> (default false), <c>weight_init</c> (default
/// glorot_uniform), <c>recurrent_init</c> (default orthogonal), <c>bias_init</c> (default unit_forget_bias: zeros
/// with the forget block at 1).
/// </summary>
public sealed class Lstm : RecurrentOp
{
    /// <summary>(T, H) per example: the cell states c_t.</summary>
    private const int CellsWorkspace = FirstCellWorkspace;

    /// <summary>(H) per example: d loss / d c_t while walking back.</summary>
    private const int CellGradientWorkspace = FirstCellWorkspace + 1;

    /// <inheritdoc/>
    public override string Name => "lstm";

    /// <inheritdoc/>
    protected override int Gates => 4;

    /// <inheritdoc/>
    protected override Initializer DefaultBiasInit { get; } = new(InitKind.UnitForgetBias, 1f);

    /// <inheritdoc/>
    protected override IEnumerable<WorkspaceSpec> CellWorkspaces(RecurrentConfig config) =>
        [new(checked(config.Steps * config.Units)), new(config.Units)];

    /// <inheritdoc/>
    protected override void ForwardStep(OpRun run, RecurrentConfig config, int step, StridedMatrix h)
    {
        // gates_t: (B, 4H) = x_t W + h_{t-1} U; the kernel adds b, activates, and writes c_t (B, H) and h_t (B, H).
        var gates = GateStep(run.Workspace(GatesWorkspace), config, run.Batch, step);
        if (step > 0)
        {
            AddRecurrentProduct(run, config, step, gates, 1f);
        }

        var cells = run.Workspace(CellsWorkspace);
        run.Backend.LstmForwardStep(gates, run.Parameter(2), PreviousCell(run, config, step), UnitStep(cells, config, run.Batch, step), h, run.Batch, config.Units);
    }

    /// <inheritdoc/>
    protected override void BeginBackward(OpRun run, RecurrentConfig config) =>
        run.Backend.FillRows(StridedMatrix.Dense(run.Workspace(CellGradientWorkspace), config.Units), run.Batch, config.Units, 0f);

    /// <inheritdoc/>
    protected override void BackwardStep(OpRun run, RecurrentConfig config, int step, StridedMatrix dh)
    {
        // dGates_t: (B, 4H) from dh, dc and the saved activations; dc becomes dc_{t-1}; dh_{t-1} = dGates_t U^T.
        var dGates = GateStep(run.Workspace(GateGradientWorkspace), config, run.Batch, step);
        run.Backend.LstmBackwardStep(
            GateStep(run.Workspace(GatesWorkspace), config, run.Batch, step),
            PreviousCell(run, config, step),
            UnitStep(run.Workspace(CellsWorkspace), config, run.Batch, step),
            dh,
            StridedMatrix.Dense(run.Workspace(CellGradientWorkspace), config.Units),
            dGates,
            run.Batch,
            config.Units);
        if (step > 0)
        {
            BackPropagateThroughRecurrence(run, config, dGates, dh, 0f);
        }
    }

    /// <summary>c_{t-1}: slot t - 1 of the cell states, or at step 0 Hprev's slot 0, which holds zeros.</summary>
    private static StridedMatrix PreviousCell(OpRun run, RecurrentConfig config, int step) => step == 0
        ? UnitStep(run.Workspace(HiddenWorkspace), config, run.Batch, 0)
        : UnitStep(run.Workspace(CellsWorkspace), config, run.Batch, step - 1);
}
