// Kernels of the pooling ops: max pooling (with the argmax its backward scatters through) and average pooling.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

public partial interface IBackend
{
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
}
