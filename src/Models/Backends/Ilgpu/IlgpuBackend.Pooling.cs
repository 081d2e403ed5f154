// Max and average pooling on the device: forward one thread per output element, backward one per input
// element gathering over the windows that cover it (no atomics).
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
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
}
