// Kernels of the image ops: 2-D convolution, max and average pooling, and the plain copy behind reshapes.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

public partial interface IBackend
{
    /// <summary>
    /// y = f(conv(x, w) + bias) (cross-correlation, as every framework computes it), f an optional
    /// <paramref name="activation"/> (a device backend applies it as the GEMM stores y).
    /// x: (batch, C, H, W); w: (filters, C, kh, kw); bias: (filters) or null; y: (batch, filters, OutH, OutW).
    /// <paramref name="columns"/> is scratch for whole im2col matrices of <see cref="Window2d.ColumnSize"/> floats
    /// each (at least one); the backend works on at most as many examples at once as it holds.
    /// </summary>
    void Conv2dForward(Window2d window, int filters, int batch, Tensor x, Tensor w, Tensor? bias, Tensor y, Tensor columns, Activation? activation = null);

    /// <summary>
    /// Gradients of <see cref="Conv2dForward"/> from dy: (batch, filters, OutH, OutW). dw (filters, C, kh, kw) and
    /// db (filters, or null) are overwritten, or added to when <paramref name="accumulateParameters"/>; dx
    /// (batch, C, H, W) is skipped when null, and added to when <paramref name="accumulateInput"/>.
    /// </summary>
    void Conv2dBackward(Window2d window, int filters, int batch, Tensor x, Tensor w, Tensor dy,
        Tensor dw, Tensor? db, bool accumulateParameters, Tensor? dx, bool accumulateInput, Tensor columns);

    /// <summary>
    /// y = max over each window of x (padding never wins). x: (batch, C, H, W); y and argmax:
    /// (batch, C, OutH, OutW); argmax receives the backend's record of each window's winner, which only
    /// <see cref="MaxPool2dBackward"/> reads (the CPU backend: its index in the example, or for 2x2 windows its place in the window).
    /// </summary>
    void MaxPool2dForward(Window2d window, int batch, Tensor x, Tensor y, Tensor argmax);

    /// <summary>dx (+)= dy routed to each window's winner; overlapping windows add up.</summary>
    void MaxPool2dBackward(Window2d window, int batch, Tensor dy, Tensor argmax, Tensor dx, bool accumulate);

    /// <summary>y = mean of each window over the positions inside the image (padding is not counted).</summary>
    void AvgPool2dForward(Window2d window, int batch, Tensor x, Tensor y);

    /// <summary>dx (+)= each dy spread evenly over the in-image positions of its window.</summary>
    void AvgPool2dBackward(Window2d window, int batch, Tensor dy, Tensor dx, bool accumulate);

    /// <summary>target = source (same length): flatten and reshape, whose memory layout does not change.</summary>
    void Copy(Tensor source, Tensor target);
}
