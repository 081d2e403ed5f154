// The transposed convolution on the CPU: conv2d's input-gradient path alone (W^T x into columns, then col2im),
// one example after another with the GEMM spread over the backend's threads.
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <inheritdoc/>
    public void Conv2dTransposeForward(Window2d window, int filters, int batch, Tensor x, Tensor w, Tensor y, Tensor columns)
    {
        // The window's input is y and its output x, so the checks of a convolution apply with the two swapped.
        CheckConv(window, filters, batch, y, w, null, x, columns, nameof(Conv2dTransposeForward));
        var g = window;
        int patch = g.PatchSize, plane = g.OutputPlane;
        float* xp = Pointer(x), wp = Pointer(w), yp = Pointer(y), cp = Pointer(columns);
        for (var b = 0; b < batch; b++)
        {
            // columns (patch, plane) = W^T (patch, filters) x_b (filters, plane); a pointwise window's columns are y_b.
            float* xb = xp + ((long)b * filters * plane);
            float* yb = yp + ((long)b * g.InputSize);
            Cpu.Gemm.Sgemm(true, false, patch, plane, filters, 1f, wp, patch, xb, plane, 0f, g.IsPointwise ? yb : cp, plane, Threads);
            if (!g.IsPointwise)
            {
                new Span<float>(yb, g.InputSize).Clear();
                Im2Col.AddBack(g, cp, yb);
            }
        }
    }
}
