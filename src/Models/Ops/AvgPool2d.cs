// avg_pool2d: the mean of each window's in-image values, per channel; backward spreads each gradient evenly.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;

namespace Dtrain.Models.Ops;

/// <summary>Average pooling; positions in the padding are not counted in a window's mean.</summary>
public sealed class AvgPool2d : Pool2dOp
{
    /// <inheritdoc/>
    public override string Name => "avg_pool2d";

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // x: (B, C, H, W)  y: (B, C, OutH, OutW)
        run.Backend.AvgPool2dForward((Window2d)run.Config!, run.Batch, run.Input(0), run.Output);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // dy: (B, C, OutH, OutW)  dx: (B, C, H, W)
        if (run.InputGradient(0, out var accumulate) is { } dx)
        {
            run.Backend.AvgPool2dBackward((Window2d)run.Config!, run.Batch, run.OutputGradient, dx, accumulate);
        }
    }
}
