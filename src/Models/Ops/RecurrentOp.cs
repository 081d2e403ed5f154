// Shared shape rule, buffers and time loop of the recurrent layers (rnn, lstm, gru); each subclass supplies its cell.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Graph;
using Dtrain.Models.Initializers;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>Sizes and flags of one recurrent node, parsed once by shape inference.</summary>
/// <param name="Steps">Time steps T.</param>
/// <param name="Features">Input features F per step.</param>
/// <param name="Units">Hidden units H.</param>
/// <param name="Gates">Gate blocks per step: 1 (rnn), 4 (lstm), 3 (gru).</param>
/// <param name="ReturnSequences">Whether the output is every h_t (batch, T, H) or only the last (batch, H).</param>
public sealed record RecurrentConfig(int Steps, int Features, int Units, int Gates, bool ReturnSequences)
{
    /// <summary>Columns of the gate matrices, G * H.</summary>
    public int GateWidth => Gates * Units;
}

/// <summary>
/// A recurrent layer over x: (batch, T, F), batch-major and row-major (the op's contract). Time steps are reached
/// as <see cref="StridedMatrix"/> views (rows T * n floats apart), so no sequence is ever transposed.
/// Forward: one GEMM projects every step's input, x (B*T, F) W (F, G*H) into the gate buffer; then per step one
/// GEMM adds h_{t-1} U and one fused kernel applies every gate. Backward walks time in reverse with one kernel and
/// one GEMM (dh_{t-1} = dGates_t U^T) per step, then finishes with one GEMM each for dW = x^T dGates,
/// dU = Hprev^T dGates (Hprev holds h_{t-1} at slot t, so its rows line up with the gates') and dx = dGates W^T.
/// Parameters: <c>weight</c> (F, G*H), <c>recurrent_weight</c> (H, G*H), <c>bias</c> (G*H), then the cell's own.
/// </summary>
public abstract class RecurrentOp : Op
{
    /// <summary>(T, G*H) per example: x W, then each step's gate activations.</summary>
    protected const int GatesWorkspace = 0;

    /// <summary>(T, H) per example: h_{t-1} at slot t (slot 0 stays zero), the recurrent GEMMs' input.</summary>
    protected const int HiddenWorkspace = 1;

    /// <summary>(T, G*H) per example: d loss / d (x W + b), the pre-activation gradients.</summary>
    protected const int GateGradientWorkspace = 2;

    /// <summary>(H) per example: d loss / d h_t while walking back through time.</summary>
    protected const int HiddenGradientWorkspace = 3;

    /// <summary>Index of the first workspace a cell adds.</summary>
    protected const int FirstCellWorkspace = 4;

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <summary>Gate blocks per step.</summary>
    protected abstract int Gates { get; }

    /// <summary>The bias initializer when the node names none.</summary>
    protected virtual Initializer DefaultBiasInit => Initializer.Zeros;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        var x = inputs[0];
        if (!x.Batched || x.Rank != 2)
        {
            throw attrs.Error($"input must be (batch, time, features), got {x}");
        }

        var units = attrs.RequiredPositiveInt("units");
        var config = new RecurrentConfig(x.Dims[0], x.Dims[1], units, Gates, attrs.OptionalBool("return_sequences", false));
        var (t, f, g) = (config.Steps, config.Features, config.GateWidth);
        var parameters = new List<ParameterSpec>
        {
            new("weight", [f, g], attrs.OptionalInitializer("weight_init", new Initializer(InitKind.GlorotUniform)), f, g),
            new("recurrent_weight", [units, g], attrs.OptionalInitializer("recurrent_init", new Initializer(InitKind.Orthogonal, 1f)), units, g),
            new("bias", [g], attrs.OptionalInitializer("bias_init", DefaultBiasInit), f, g),
        };
        parameters.AddRange(CellParameters(attrs, config));
        var workspaces = new List<WorkspaceSpec> { new(checked(t * g)), new(checked(t * units)), new(checked(t * g)), new(units) };
        workspaces.AddRange(CellWorkspaces(config));
        var output = config.ReturnSequences ? new TensorType([t, units], true) : new TensorType([units], true);
        return new OpSignature(output, parameters, config, workspaces);
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        var c = (RecurrentConfig)run.Config!;
        var (b, t, h) = (run.Batch, c.Steps, c.Units);
        var backend = run.Backend;
        var hidden = run.Workspace(HiddenWorkspace);

        // x: (B*T, F)  W: (F, G*H)  gates: (B*T, G*H): every step's input projection in one GEMM.
        backend.Gemm(false, false, b * t, c.GateWidth, c.Features, 1f, run.Input(0), run.Parameter(0), 0f, run.Workspace(GatesWorkspace));
        backend.FillRows(UnitStep(hidden, c, b, 0), b, h, 0f);
        for (var step = 0; step < t; step++)
        {
            // h_t feeds step t + 1 through slot t + 1 of Hprev, and is the output (every step, or only the last).
            StridedMatrix? next = step + 1 < t ? UnitStep(hidden, c, b, step + 1) : null;
            var target = c.ReturnSequences ? UnitStep(run.Output, c, b, step) : next ?? StridedMatrix.Dense(run.Output, h);
            ForwardStep(run, c, step, target);
            if (c.ReturnSequences && next is { } n)
            {
                backend.CopyRows(target, n, b, h);
            }
        }
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        var c = (RecurrentConfig)run.Config!;
        var (b, t, f, h, g) = (run.Batch, c.Steps, c.Features, c.Units, c.GateWidth);
        var backend = run.Backend;
        var dy = run.OutputGradient; // (B, T, H) or (B, H)
        var dh = StridedMatrix.Dense(run.Workspace(HiddenGradientWorkspace), h);
        if (c.ReturnSequences)
        {
            backend.FillRows(dh, b, h, 0f);
        }
        else
        {
            backend.CopyRows(StridedMatrix.Dense(dy, h), dh, b, h);
        }

        BeginBackward(run, c);
        for (var step = t - 1; step >= 0; step--)
        {
            if (c.ReturnSequences)
            {
                backend.AddRows(UnitStep(dy, c, b, step), dh, b, h);
            }

            BackwardStep(run, c, step, dh);
        }

        var x = run.Input(0);
        var dGates = run.Workspace(GateGradientWorkspace);
        var beta = run.AccumulateParameterGradients ? 1f : 0f;

        // dW = x^T dGates: (F, B*T) (B*T, G*H).  dU = Hprev^T dRecurrent: (H, B*T) (B*T, G*H).  db = column sums.
        backend.Gemm(true, false, f, g, b * t, 1f, x, dGates, beta, run.ParameterGradient(0));
        backend.Gemm(true, false, h, g, b * t, 1f, run.Workspace(HiddenWorkspace), RecurrentGateGradients(run), beta, run.ParameterGradient(1));
        backend.SumRows(dGates, run.ParameterGradient(2), b * t, g, run.AccumulateParameterGradients);
        BackwardCellParameters(run, c);

        if (run.InputGradient(0, out var inputAccumulates) is { } dx)
        {
            // dx = dGates W^T: (B*T, G*H) (G*H, F).
            backend.Gemm(false, true, b * t, f, g, 1f, dGates, run.Parameter(0), inputAccumulates ? 1f : 0f, dx);
        }
    }

    /// <summary>Parameters after the shared three (GRU's recurrent bias).</summary>
    protected virtual IEnumerable<ParameterSpec> CellParameters(NodeAttributes attrs, RecurrentConfig config) => [];

    /// <summary>Workspaces after the shared four, numbered from <see cref="FirstCellWorkspace"/>.</summary>
    protected virtual IEnumerable<WorkspaceSpec> CellWorkspaces(RecurrentConfig config) => [];

    /// <summary>
    /// Step <paramref name="step"/>: add h_{t-1} U to the gates (nothing at step 0, h_{-1} = 0), apply the cell,
    /// and write h_t into <paramref name="h"/>.
    /// </summary>
    protected abstract void ForwardStep(OpRun run, RecurrentConfig config, int step, StridedMatrix h);

    /// <summary>Resets the cell's own running gradients before the walk back (LSTM's dc).</summary>
    protected virtual void BeginBackward(OpRun run, RecurrentConfig config)
    {
    }

    /// <summary>
    /// Step <paramref name="step"/> backward: <paramref name="dh"/> holds d loss / d h_t; write the step's gate
    /// gradients and, unless at step 0, leave d loss / d h_{t-1} (through the recurrence) in <paramref name="dh"/>.
    /// </summary>
    protected abstract void BackwardStep(OpRun run, RecurrentConfig config, int step, StridedMatrix dh);

    /// <summary>(B*T, G*H): d loss / d (h_{t-1} U) of every step, the right factor of dU. The gate gradients unless the cell differs.</summary>
    protected virtual Tensor RecurrentGateGradients(OpRun run) => run.Workspace(GateGradientWorkspace);

    /// <summary>Gradients of the cell's own parameters, after the walk back.</summary>
    protected virtual void BackwardCellParameters(OpRun run, RecurrentConfig config)
    {
    }

    /// <summary>Step <paramref name="step"/> of a (B, T, G*H) gate sequence.</summary>
    protected static StridedMatrix GateStep(Tensor sequence, RecurrentConfig config, int batch, int step) =>
        StridedMatrix.Step(sequence, step, batch, config.Steps, config.GateWidth);

    /// <summary>Step <paramref name="step"/> of a (B, T, H) sequence.</summary>
    protected static StridedMatrix UnitStep(Tensor sequence, RecurrentConfig config, int batch, int step) =>
        StridedMatrix.Step(sequence, step, batch, config.Steps, config.Units);

    /// <summary>
    /// gates_t += h_{t-1} U: (B, H) (H, G*H), with h_{t-1} read from Hprev's slot t. Nothing at step 0.
    /// </summary>
    protected static void AddRecurrentProduct(OpRun run, RecurrentConfig config, int step, StridedMatrix target, float beta)
    {
        run.Backend.GemmStrided(false, false, run.Batch, config.GateWidth, config.Units, 1f,
            UnitStep(run.Workspace(HiddenWorkspace), config, run.Batch, step),
            StridedMatrix.Dense(run.Parameter(1), config.GateWidth), beta, target);
    }

    /// <summary>dh = dRecurrent_t U^T (+ dh when <paramref name="beta"/> is 1): (B, G*H) (G*H, H).</summary>
    protected static void BackPropagateThroughRecurrence(OpRun run, RecurrentConfig config, StridedMatrix dRecurrent, StridedMatrix dh, float beta)
    {
        run.Backend.GemmStrided(false, true, run.Batch, config.Units, config.GateWidth, 1f,
            dRecurrent, StridedMatrix.Dense(run.Parameter(1), config.GateWidth), beta, dh);
    }
}
