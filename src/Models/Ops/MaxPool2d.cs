// max_pool2d: the largest value of each window, per channel; the gradient goes to the window's winner.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>Max pooling; forward records each window's winner in a workspace for backward.</summary>
public sealed class MaxPool2d : Pool2dOp
{
    /// <inheritdoc/>
    public override string Name => "max_pool2d";

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // x: (B, C, H, W)  y, argmax: (B, C, OutH, OutW)
        run.Backend.MaxPool2dForward((Window2d)run.Config!, run.Batch, run.Input(0), run.Output, run.Workspace(0));
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // dy: (B, C, OutH, OutW)  dx: (B, C, H, W)
        if (run.InputGradient(0, out var accumulate) is { } dx)
        {
            run.Backend.MaxPool2dBackward((Window2d)run.Config!, run.Batch, run.OutputGradient, run.Workspace(0), dx, accumulate);
        }
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<WorkspaceSpec> Workspaces(Window2d window, TensorType output) =>
        [new WorkspaceSpec(PerExample: output.Size)];
}
