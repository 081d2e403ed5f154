// Geometry of a 2-D sliding window over NCHW images, shared by convolution and pooling kernels.
namespace Dtrain.Models.Backends;

/// <summary>
/// A kernel of <see cref="KernelH"/> x <see cref="KernelW"/> sliding over each example's
/// (<see cref="Channels"/>, <see cref="Height"/>, <see cref="Width"/>) image with the given strides,
/// over an input padded by <see cref="PadH"/> rows and <see cref="PadW"/> columns on each side.
/// </summary>
public readonly record struct Window2d(int Channels, int Height, int Width, int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW)
{
    /// <summary>Window positions down: floor((H + 2 pad - k) / stride) + 1 (not positive when the kernel overhangs).</summary>
    public int OutH => ((Height + (2 * PadH) - KernelH) / StrideH) + 1;

    /// <summary>Window positions across.</summary>
    public int OutW => ((Width + (2 * PadW) - KernelW) / StrideW) + 1;

    /// <summary>Floats per example of the input.</summary>
    public int InputSize => Channels * Height * Width;

    /// <summary>Output positions per channel.</summary>
    public int OutputPlane => OutH * OutW;

    /// <summary>Floats one window covers over all channels: rows of the im2col matrix, columns of a conv weight.</summary>
    public int PatchSize => Channels * KernelH * KernelW;

    /// <summary>Floats of one example's im2col matrix, (<see cref="PatchSize"/>, <see cref="OutputPlane"/>).</summary>
    public int ColumnSize => PatchSize * OutputPlane;

    /// <summary>True when im2col would copy the input unchanged (1x1 kernel, stride 1, no padding).</summary>
    public bool IsPointwise => KernelH == 1 && KernelW == 1 && StrideH == 1 && StrideW == 1 && PadH == 0 && PadW == 0;
}
