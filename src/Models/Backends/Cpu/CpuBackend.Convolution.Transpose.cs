// The transposed convolution on the CPU: conv2d's input-gradient path alone (W^T x into an example's columns, then
// col2im), examples spread over the backend's threads with one column slot each, as conv2d's forward pass does.
using static Dtrain.Models.Backends.KernelArguments;
using System.Runtime.CompilerServices;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    private Action<int>? _convTransposePart;

    /// <inheritdoc/>
    public void Conv2dTransposeForward(Window2d window, int filters, int batch, Tensor x, Tensor w, Tensor y, Tensor columns)
    {
        // The window's input is y and its output x, so the checks of a convolution apply with the two swapped.
        CheckConv(window, filters, batch, y, w, null, x, columns, nameof(Conv2dTransposeForward));
        _conv = new ConvCall(window, filters, Pointer(x), Pointer(w), null, Pointer(y), Pointer(columns)) { Batch = batch };
        RunParts(batch, _convTransposePart ??= ConvTransposePart, columns.Length / window.ColumnSize);
    }

    // y_b (C, H, W) = col2im(W^T (patch, filters) x_b (filters, plane)); _conv.X holds the (filters, plane) inputs.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ConvTransposePart(int part)
    {
        var (g, filters) = (_conv.Window, _conv.Filters);
        int patch = g.PatchSize, plane = g.OutputPlane;
        float* columns = _conv.Columns + ((long)part * g.ColumnSize);
        for (int b; (b = ClaimItem()) >= 0;)
        {
            float* xb = _conv.X + ((long)b * filters * plane);
            float* yb = _conv.Y + ((long)b * g.InputSize);

            // A pointwise window's columns are y_b itself.
            Cpu.Gemm.Sgemm(true, false, patch, plane, filters, 1f, _conv.W, patch, xb, plane, 0f, g.IsPointwise ? yb : columns, plane, maxThreads: 1);
            if (!g.IsPointwise)
            {
                new Span<float>(yb, g.InputSize).Clear();
                Im2Col.AddBack(g, columns, yb);
            }
        }
    }
}
