// Shape rules shared by the image ops (conv2d, pooling): an NCHW input and a window that must fit it.
using Dtrain.Models.Backends;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>Reads the window attributes of an image op and checks them against its input.</summary>
internal static class ImageWindow
{
    /// <summary>
    /// The window of a node over its (batch, C, H, W) input: <paramref name="kernel"/> from <paramref name="kernelAttribute"/>,
    /// <c>stride</c> (default <paramref name="defaultStride"/>) and <c>padding</c> (default 0). Throws naming the node
    /// when the input is not an image or the kernel overhangs the padded input.
    /// </summary>
    public static Window2d Read(NodeAttributes attrs, TensorType input, string kernelAttribute, (int, int)? defaultStride = null)
    {
        if (!input.Batched || input.Rank != 3)
        {
            throw attrs.Error($"input must be (batch, channels, height, width), got {input}");
        }

        var (kh, kw) = attrs.RequiredPair(kernelAttribute);
        var (sh, sw) = attrs.OptionalPair("stride", defaultStride ?? (1, 1), minimum: 1);
        var (ph, pw) = attrs.OptionalPair("padding", (0, 0), minimum: 0);
        var window = new Window2d(input.Dims[0], input.Dims[1], input.Dims[2], kh, kw, sh, sw, ph, pw);
        if (input.Dims[1] + (2 * ph) < kh || input.Dims[2] + (2 * pw) < kw)
        {
            throw attrs.Error($"{kernelAttribute} {kh}x{kw} is larger than the padded input {input.Dims[1] + (2 * ph)}x{input.Dims[2] + (2 * pw)} "
                + $"(input {input}, padding {ph}x{pw}), so the output would have no positions");
        }

        if (window.OutH < 1 || window.OutW < 1)
        {
            throw attrs.Error($"output size {window.OutH}x{window.OutW} is not positive (input {input}, {kernelAttribute} {kh}x{kw}, stride {sh}x{sw}, padding {ph}x{pw})");
        }

        // Counted in long: each size fits an int, but the window's products (patch x positions, as an im2col
        // matrix for every column slot) may not.
        var patch = (long)window.Channels * kh * kw;
        var plane = (long)window.OutH * window.OutW;
        if (patch > ModelLimits.MaxParameterElements || plane > ModelLimits.MaxValueElements
            || patch * plane > ModelLimits.MaxBatchElements / Conv2d.ColumnSlots)
        {
            throw attrs.Error($"{kernelAttribute} {kh}x{kw} over input {input} (stride {sh}x{sw}, padding {ph}x{pw}) makes {patch:N0} values per window "
                + $"at {plane:N0} positions, more than the {ModelLimits.MaxBatchElements / Conv2d.ColumnSlots:N0} allowed");
        }

        return window;
    }

    /// <summary>The (batch, channels, OutH, OutW) type of a window's output.</summary>
    public static TensorType Output(Window2d window, int channels) => new([channels, window.OutH, window.OutW], true);
}
