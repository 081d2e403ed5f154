// rnn: the Elman recurrence h_t = tanh(x_t W + h_{t-1} U + b), with backpropagation through time.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;

namespace Dtrain.Models.Ops;

/// <summary>
/// Elman RNN over x: (batch, T, F). Attributes: <c>units</c> (required), <c>return_sequences</c> (default false),
/// <c>weight_init</c> (default glorot_uniform), <c>recurrent_init</c> (default orthogonal), <c>bias_init</c> (default zeros).
/// </summary>
public sealed class SimpleRnn : RecurrentOp
{
    /// <inheritdoc/>
    public override string Name => "rnn";

    /// <inheritdoc/>
    protected override int Gates => 1;

    /// <inheritdoc/>
    protected override void ForwardStep(OpRun run, RecurrentConfig config, int step, StridedMatrix h)
    {
        // gates_t: (B, H) = x_t W + h_{t-1} U, then tanh(. + b) in place.
        var gates = GateStep(run.Workspace(GatesWorkspace), config, run.Batch, step);
        if (step > 0)
        {
            AddRecurrentProduct(run, config, step, gates, 1f);
        }

        run.Backend.RnnForwardStep(gates, run.Parameter(2), h, run.Batch, config.Units);
    }

    /// <inheritdoc/>
    protected override void BackwardStep(OpRun run, RecurrentConfig config, int step, StridedMatrix dh)
    {
        // dGates_t: (B, H) = dh (1 - h_t^2); dh_{t-1} = dGates_t U^T.
        var dGates = GateStep(run.Workspace(GateGradientWorkspace), config, run.Batch, step);
        run.Backend.RnnBackwardStep(GateStep(run.Workspace(GatesWorkspace), config, run.Batch, step), dh, dGates, run.Batch, config.Units);
        if (step > 0)
        {
            BackPropagateThroughRecurrence(run, config, dGates, dh, 0f);
        }
    }
}
