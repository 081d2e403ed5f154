// The transposed convolution on the device: conv2d's input-gradient path alone, W^T x by the GEMM kernel into the
// column workspace, then col2im, for as many examples at once as the workspace holds.
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc/>
    public void Conv2dTransposeForward(Window2d window, int filters, int batch, Tensor x, Tensor w, Tensor y, Tensor columns)
    {
        // The window's input is y and its output x, so the checks of a convolution apply with the two swapped.
        CheckConv(window, filters, batch, y, w, null, x, columns, nameof(Conv2dTransposeForward));
        var (g, plane) = (window, window.OutputPlane);
        var chunk = Math.Max(1, columns.Length / g.ColumnSize);
        for (var start = 0; start < batch; start += chunk)
        {
            var count = Math.Min(chunk, batch - start);
            var xs = V(x).SubView(start * filters * plane, count * filters * plane);
            var ys = V(y).SubView(start * g.InputSize, count * g.InputSize);

            // columns_e (patch, plane) = W^T x_e; a pointwise window's columns are y itself.
            var target = g.IsPointwise ? ys : V(columns);
            var p = new GemmArgs(g.PatchSize, plane, filters, 1, 0, 1f, 0f, g.PatchSize, plane, plane,
                0, filters * plane, g.IsPointwise ? g.InputSize : g.ColumnSize, 0);
            LaunchGemm(p, count, V(w), xs, target, _dummy.View);
            if (!g.IsPointwise)
            {
                Run(count * g.InputSize, IlgpuKernels.Col2Im, V(columns), ys, g, 0);
            }
        }
    }
}
