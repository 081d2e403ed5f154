// Convolution and pooling on the device. Forward is im2col into the op's column workspace, a chunk of examples
// at a time, then one batched launch of the tiled GEMM with the bias added in its epilogue (1x1 stride-1
// convolutions read x directly). Backward: the weight gradient as one direct sum per weight, the bias gradient
// as a segment reduction, and dx as W^T dy into columns folded back by col2im.
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc/>
    public void Conv2dForward(Window2d window, int filters, int batch, Tensor x, Tensor w, Tensor? bias, Tensor y, Tensor columns)
    {
        // x: (batch, C, H, W)  w: (filters, C, kh, kw)  bias: (filters)  y: (batch, filters, OutH, OutW)
        CheckConv(window, filters, batch, x, w, bias, y, columns, nameof(Conv2dForward));
        var (g, plane) = (window, window.OutputPlane);
        var chunk = Math.Max(1, columns.Length / g.ColumnSize);
        for (var start = 0; start < batch; start += chunk)
        {
            var count = Math.Min(chunk, batch - start);
            var xs = V(x).SubView(start * g.InputSize, count * g.InputSize);
            var ys = V(y).SubView(start * filters * plane, count * filters * plane);
            var source = xs;
            if (!g.IsPointwise)
            {
                Run(count * g.ColumnSize, IlgpuKernels.Im2Col, xs, V(columns), g);
                source = V(columns);
            }

            // y_e (filters, plane) = W (filters, patch) columns_e (patch, plane) + bias[filter].
            var p = new GemmArgs(filters, plane, g.PatchSize, 0, 0, 1f, 0f, g.PatchSize, plane, plane,
                0, g.IsPointwise ? g.InputSize : g.ColumnSize, filters * plane, bias is null ? 0 : 1);
            LaunchGemm(p, count, V(w), source, ys, V(bias));
        }
    }

    /// <inheritdoc/>
    public void Conv2dBackward(Window2d window, int filters, int batch, Tensor x, Tensor w, Tensor dy,
        Tensor dw, Tensor? db, bool accumulateParameters, Tensor? dx, bool accumulateInput, Tensor columns)
    {
        CheckConv(window, filters, batch, x, w, db, dy, columns, nameof(Conv2dBackward));
        CheckHolds(dw, (long)filters * window.PatchSize, "dw", nameof(Conv2dBackward));
        var (g, plane) = (window, window.OutputPlane);
        Run(filters * g.PatchSize, IlgpuKernels.ConvWeightGradient, V(x), V(dy), V(dw), g, filters, batch, Flag(accumulateParameters));
        if (db is { } bias)
        {
            ReduceSegments(new SegmentArgs(batch, filters, plane, IlgpuKernels.SumA, 1f, Flag(accumulateParameters)), V(dy), _dummy.View, _dummy.View, V(bias));
        }

        if (dx is not { } input)
        {
            return;
        }

        CheckHolds(input, (long)batch * g.InputSize, "dx", nameof(Conv2dBackward));
        var chunk = Math.Max(1, columns.Length / g.ColumnSize);
        for (var start = 0; start < batch; start += chunk)
        {
            var count = Math.Min(chunk, batch - start);
            var dys = V(dy).SubView(start * filters * plane, count * filters * plane);
            var dxs = V(input).SubView(start * g.InputSize, count * g.InputSize);

            // dcolumns_e (patch, plane) = W^T dy_e; a pointwise convolution's columns are dx itself.
            var target = g.IsPointwise ? dxs : V(columns);
            var beta = g.IsPointwise && accumulateInput ? 1f : 0f;
            var p = new GemmArgs(g.PatchSize, plane, filters, 1, 0, 1f, beta, g.PatchSize, plane, plane,
                0, filters * plane, g.IsPointwise ? g.InputSize : g.ColumnSize, 0);
            LaunchGemm(p, count, V(w), dys, target, _dummy.View);
            if (!g.IsPointwise)
            {
                Run(count * g.InputSize, IlgpuKernels.Col2Im, V(columns), dxs, g, Flag(accumulateInput));
            }
        }
    }

    /// <inheritdoc/>
    public void MaxPool2dForward(Window2d window, int batch, Tensor x, Tensor y, Tensor argmax)
    {
        CheckPool(window, batch, x, y, nameof(MaxPool2dForward));
        CheckHolds(argmax, (long)batch * window.Channels * window.OutputPlane, "argmax", nameof(MaxPool2dForward));
        Run(batch * window.Channels * window.OutputPlane, IlgpuKernels.MaxPoolForward, V(x), V(y), V(argmax), window);
    }

    /// <inheritdoc/>
    public void MaxPool2dBackward(Window2d window, int batch, Tensor dy, Tensor argmax, Tensor dx, bool accumulate)
    {
        CheckPool(window, batch, dx, dy, nameof(MaxPool2dBackward));
        CheckHolds(argmax, (long)batch * window.Channels * window.OutputPlane, "argmax", nameof(MaxPool2dBackward));
        Run(batch * window.InputSize, IlgpuKernels.MaxPoolBackward, V(dy), V(argmax), V(dx), window, Flag(accumulate));
    }

    /// <inheritdoc/>
    public void AvgPool2dForward(Window2d window, int batch, Tensor x, Tensor y)
    {
        CheckPool(window, batch, x, y, nameof(AvgPool2dForward));
        Run(batch * window.Channels * window.OutputPlane, IlgpuKernels.AvgPoolForward, V(x), V(y), window);
    }

    /// <inheritdoc/>
    public void AvgPool2dBackward(Window2d window, int batch, Tensor dy, Tensor dx, bool accumulate)
    {
        CheckPool(window, batch, dx, dy, nameof(AvgPool2dBackward));
        Run(batch * window.InputSize, IlgpuKernels.AvgPoolBackward, V(dy), V(dx), window, Flag(accumulate));
    }

    /// <inheritdoc/>
    public void Copy(Tensor source, Tensor target)
    {
        CheckLength(source.Length, target.Length, nameof(Copy));
        Run(source.Length, IlgpuKernels.Axpy, V(source), V(target), 1f, 0);
    }

    private static void CheckPool(Window2d g, int batch, Tensor image, Tensor pooled, string kernel)
    {
        if (g.OutH < 1 || g.OutW < 1 || batch < 0)
        {
            throw new ArgumentException($"{kernel}: empty geometry {g}, batch {batch}");
        }

        CheckHolds(image, (long)batch * g.InputSize, "the image tensor", kernel);
        CheckHolds(pooled, (long)batch * g.Channels * g.OutputPlane, "the pooled tensor", kernel);
    }

}
