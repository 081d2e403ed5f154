// Shape rule shared by max_pool2d and avg_pool2d: a size x size window, stride defaulting to the size.
using Dtrain.Models.Backends;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// A pooling op over NCHW images. Attributes: <c>size</c> (int or [h, w], required), <c>stride</c> (default:
/// the size, so windows tile the image), <c>padding</c> (default 0; less than the size, so every window
/// covers at least one input position). Channels are pooled separately.
/// </summary>
public abstract class Pool2dOp : Op
{
    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        var size = attrs.RequiredPair("size");
        var window = ImageWindow.Read(attrs, inputs[0], "size", defaultStride: size);
        if (window.PadH >= window.KernelH || window.PadW >= window.KernelW)
        {
            throw attrs.Error($"padding {window.PadH}x{window.PadW} must be smaller than the size {window.KernelH}x{window.KernelW}, "
                + "or a window could lie wholly in the padding");
        }

        if ((long)window.Height * window.Width > 1 << 24)
        {
            // Max pooling keeps winners' positions as floats, exact only up to 2^24.
            throw attrs.Error($"input planes of more than 2^24 positions are not supported, got {inputs[0]}");
        }

        var output = ImageWindow.Output(window, window.Channels);
        return new OpSignature(output, [], window, Workspaces(window, output));
    }

    /// <summary>Scratch the op keeps from forward to backward.</summary>
    protected virtual IReadOnlyList<WorkspaceSpec>? Workspaces(Window2d window, TensorType output) => null;
}
