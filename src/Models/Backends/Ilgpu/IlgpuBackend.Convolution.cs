// Convolution on the device, a chunk of examples (what the column workspace holds) at a time: y and dw
// as tiled GEMMs over im2col columns (x itself for 1x1 stride-1), db as a segment reduction, dx as W^T dy + col2im.
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc/>
    public void Conv2dForward(Window2d window, int filters, int batch, Tensor x, Tensor w, Tensor? bias, Tensor y, Tensor columns, Activation? activation = null)
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
                0, g.IsPointwise ? g.InputSize : g.ColumnSize, filters * plane, bias is null ? 0 : 1)
            {
                Activation = EpilogueActivation(activation),
            };
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
        ConvWeightGradient(g, filters, batch, x, dy, dw, accumulateParameters, columns);
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

    /// <summary>
    /// Slots of partial weight gradients per multiprocessor to aim for: about the GEMM groups (256 threads, 8 KiB of
    /// shared memory, some 64 registers a thread) one multiprocessor keeps resident, so the slots fill one wave.
    /// </summary>
    private const int WeightGradientGroupsPerMultiprocessor = 4;

    /// <summary>dw (filters, patch) (+)= the sum over examples of dy_e (filters, plane) columns_e^T (plane, patch).</summary>
    private void ConvWeightGradient(Window2d g, int filters, int batch, Tensor x, Tensor dy, Tensor dw, bool accumulate, Tensor columns)
    {
        var (plane, patch) = (g.OutputPlane, g.PatchSize);
        var chunk = Math.Max(1, columns.Length / g.ColumnSize);
        for (var start = 0; start < batch; start += chunk)
        {
            var count = Math.Min(chunk, batch - start);
            var source = V(x).SubView(start * g.InputSize, count * g.InputSize);
            if (!g.IsPointwise)
            {
                Run(count * g.ColumnSize, IlgpuKernels.Im2Col, source, V(columns), g);
                source = V(columns);
            }

            // One product whose K runs over the chunk's (example, position) pairs, k = e plane + q: dy_e's row f
            // starts e filters plane + f plane into dy, columns_e's row p (B^T's column p) e ColumnSize + p plane.
            var dys = V(dy).SubView(start * filters * plane, count * filters * plane);
            var (strideA, strideB) = (filters * plane, g.IsPointwise ? g.InputSize : g.ColumnSize);
            var beta = accumulate || start > 0 ? 1f : 0f;
            var per = ExamplesPerSlot(filters, patch, plane, count, _accelerator.NumMultiprocessors);
            var p = new GemmArgs(filters, patch, per * plane, 0, 1, 1f, beta, plane, plane, patch, per * strideA, per * strideB, filters * patch, 0)
            {
                Segment = plane,
                SegmentStrideA = strideA,
                SegmentStrideB = strideB,
            };
            if (per == count)
            {
                LaunchGemm(p, 1, dys, source, V(dw), _dummy.View);
                continue;
            }

            // Too few tiles of dw to fill the device: slot s sums examples [s per, (s + 1) per) into scratch, the
            // last slot what is left, and one pass adds the slots up in order, so the bits do not vary run to run.
            var (full, rest) = (count / per, count % per);
            var slots = full + (rest > 0 ? 1 : 0);
            var partials = Scratch(slots * filters * patch);
            LaunchGemm(p with { Beta = 0f }, full, dys, source, partials, _dummy.View);
            if (rest > 0)
            {
                var (doneA, doneB) = (full * per * strideA, full * per * strideB);
                LaunchGemm(p with { K = rest * plane, Beta = 0f }, 1, dys.SubView(doneA, dys.Length - doneA),
                    source.SubView(doneB, source.Length - doneB), partials.SubView(full * filters * patch, filters * patch), _dummy.View);
            }

            Run(filters * patch, IlgpuKernels.ReduceAxis, partials, V(dw), slots, filters * patch, 1f, Flag(beta != 0f));
        }
    }

    /// <summary>
    /// Examples each partial weight gradient sums: enough slots that they and dw's tiles fill the device, but each
    /// slot at least four GEMM blocks deep in K, so multiplying outweighs writing and re-reading the slot.
    /// </summary>
    internal int ExamplesPerSlot(int filters, int patch, int plane, int count, int multiprocessors)
    {
        var block = Tile * IlgpuKernels.GemmMicro;
        var tiles = ((filters + block - 1) / block) * ((patch + block - 1) / block);
        var target = WeightGradientGroupsPerMultiprocessor * multiprocessors;
        var slots = Math.Max(1, (target + tiles - 1) / tiles);
        var per = Math.Max((count + slots - 1) / slots, ((4 * block) + plane - 1) / plane);
        return Math.Clamp(per, 1, count);
    }
}
