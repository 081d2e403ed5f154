// Recurrent kernels on the device: row copies on strided time-step views and the fused gate math of one step,
// each one launch over (rows x units).
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc/>
    public void CopyRows(StridedMatrix source, StridedMatrix target, int rows, int cols) =>
        Rows(source, target, rows, cols, IlgpuKernels.RowsCopy, 0f);

    /// <inheritdoc/>
    public void AddRows(StridedMatrix source, StridedMatrix target, int rows, int cols) =>
        Rows(source, target, rows, cols, IlgpuKernels.RowsAdd, 0f);

    /// <inheritdoc/>
    public void FillRows(StridedMatrix target, int rows, int cols, float value) =>
        Rows(target, target, rows, cols, IlgpuKernels.RowsFill, value);

    /// <inheritdoc/>
    public void RnnForwardStep(StridedMatrix gates, Tensor bias, StridedMatrix h, int rows, int units)
    {
        CheckView(gates, rows, units, nameof(gates));
        CheckView(h, rows, units, nameof(h));
        Run(rows * units, IlgpuKernels.RnnForward, V(gates.Data), V(bias), V(h.Data), new RowStrides(gates.Stride, 0, h.Stride, 0, 0, 0), units);
    }

    /// <inheritdoc/>
    public void RnnBackwardStep(StridedMatrix gates, StridedMatrix dh, StridedMatrix dGates, int rows, int units)
    {
        CheckView(gates, rows, units, nameof(gates));
        CheckView(dh, rows, units, nameof(dh));
        CheckView(dGates, rows, units, nameof(dGates));
        Run(rows * units, IlgpuKernels.RnnBackward, V(gates.Data), V(dh.Data), V(dGates.Data), new RowStrides(gates.Stride, dh.Stride, dGates.Stride, 0, 0, 0), units);
    }

    /// <inheritdoc/>
    public void LstmForwardStep(StridedMatrix gates, Tensor bias, StridedMatrix cPrev, StridedMatrix c, StridedMatrix h, int rows, int units)
    {
        CheckView(gates, rows, 4 * units, nameof(gates));
        CheckView(cPrev, rows, units, nameof(cPrev));
        CheckView(c, rows, units, nameof(c));
        CheckView(h, rows, units, nameof(h));
        var s = new RowStrides(gates.Stride, cPrev.Stride, c.Stride, h.Stride, 0, 0);
        Run(rows * units, IlgpuKernels.LstmForward, V(gates.Data), V(bias), V(cPrev.Data), V(c.Data), V(h.Data), s, units);
    }

    /// <inheritdoc/>
    public void LstmBackwardStep(StridedMatrix gates, StridedMatrix cPrev, StridedMatrix c, StridedMatrix dh, StridedMatrix dc, StridedMatrix dGates, int rows, int units)
    {
        CheckView(gates, rows, 4 * units, nameof(gates));
        CheckView(dGates, rows, 4 * units, nameof(dGates));
        CheckView(dc, rows, units, nameof(dc));
        var s = new RowStrides(gates.Stride, cPrev.Stride, c.Stride, dh.Stride, dc.Stride, dGates.Stride);
        Run(rows * units, IlgpuKernels.LstmBackward, V(gates.Data), V(cPrev.Data), V(c.Data), V(dh.Data), V(dc.Data), V(dGates.Data), s, units);
    }

    /// <inheritdoc/>
    public void GruForwardStep(StridedMatrix gates, Tensor bias, StridedMatrix hU, Tensor recurrentBias, StridedMatrix hPrev, StridedMatrix hn, StridedMatrix h, int rows, int units)
    {
        CheckView(gates, rows, 3 * units, nameof(gates));
        CheckView(hU, rows, 3 * units, nameof(hU));
        CheckView(h, rows, units, nameof(h));
        var s = new RowStrides(gates.Stride, hU.Stride, hPrev.Stride, hn.Stride, h.Stride, 0);
        Run(rows * units, IlgpuKernels.GruForward, V(gates.Data), V(bias), V(hU.Data), V(recurrentBias), V(hPrev.Data), V(hn.Data), V(h.Data), s, units);
    }

    /// <inheritdoc/>
    public void GruBackwardStep(StridedMatrix gates, StridedMatrix hn, StridedMatrix hPrev, StridedMatrix dh, StridedMatrix dGates, StridedMatrix dRecurrent, int rows, int units)
    {
        CheckView(gates, rows, 3 * units, nameof(gates));
        CheckView(dGates, rows, 3 * units, nameof(dGates));
        CheckView(dRecurrent, rows, 3 * units, nameof(dRecurrent));
        var s = new RowStrides(gates.Stride, hn.Stride, hPrev.Stride, dh.Stride, dGates.Stride, dRecurrent.Stride);
        Run(rows * units, IlgpuKernels.GruBackward, V(gates.Data), V(hn.Data), V(hPrev.Data), V(dh.Data), V(dGates.Data), V(dRecurrent.Data), s, units);
    }

    private void Rows(StridedMatrix source, StridedMatrix target, int rows, int cols, int mode, float value)
    {
        CheckView(source, rows, cols, "source");
        CheckView(target, rows, cols, "target");
        Run(rows * cols, IlgpuKernels.StridedRows, V(source.Data), V(target.Data), source.Stride, 0, target.Stride, 0, cols, mode, value);
    }
}
