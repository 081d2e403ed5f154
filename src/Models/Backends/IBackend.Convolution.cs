// Kernels of 2-D convolution, forward and backward over im2col columns.
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
    /// The transposed convolution, y = conv2d's input gradient for output gradient x: the adjoint of
    /// <see cref="Conv2dForward"/> over <paramref name="window"/>, whose input (C, H, W) is y's shape and whose output
    /// (filters, OutH, OutW) is x's. x: (batch, filters, OutH, OutW); w: (filters, C, kh, kw); y: (batch, C, H, W),
    /// overwritten. <paramref name="columns"/> as for <see cref="Conv2dForward"/>.
    /// </summary>
    void Conv2dTransposeForward(Window2d window, int filters, int batch, Tensor x, Tensor w, Tensor y, Tensor columns);
}
