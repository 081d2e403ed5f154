// Activations on the device, one thread per element (per row for softmax): ReLU, sigmoid and tanh, the
// identity's scaled copy, leaky ReLU, ELU, PReLU and softmax.
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc/>
    public void Activate(Activation f, Tensor x, Tensor y)
    {
        CheckLength(x.Length, y.Length, nameof(Activate));
        Run(x.Length, IlgpuKernels.Activate, V(x), V(y), ActivationCode(f));
    }

    /// <inheritdoc/>
    public void ActivateBackward(Activation f, Tensor x, Tensor y, Tensor dy, Tensor dx, bool accumulate)
    {
        CheckLength(x.Length, dx.Length, nameof(ActivateBackward));
        Run(x.Length, IlgpuKernels.ActivateBackward, V(x), V(y), V(dy), V(dx), ActivationCode(f), Flag(accumulate));
    }

    /// <inheritdoc/>
    public void ScaleInto(Tensor x, float alpha, Tensor y, bool accumulate) => AddScaled(x, alpha, y, accumulate);

    /// <inheritdoc/>
    public void LeakyRelu(Tensor x, Tensor y, float alpha) => Run(x.Length, IlgpuKernels.LeakyRelu, V(x), V(y), alpha);

    /// <inheritdoc/>
    public void LeakyReluBackward(Tensor x, Tensor dy, Tensor dx, float alpha, bool accumulate) =>
        Run(x.Length, IlgpuKernels.LeakyReluBackward, V(x), V(dy), V(dx), alpha, Flag(accumulate));

    /// <inheritdoc/>
    public void Elu(Tensor x, Tensor y, float alpha) => Run(x.Length, IlgpuKernels.Elu, V(x), V(y), alpha);

    /// <inheritdoc/>
    public void EluBackward(Tensor x, Tensor y, Tensor dy, Tensor dx, float alpha, bool accumulate) =>
        Run(x.Length, IlgpuKernels.EluBackward, V(x), V(y), V(dy), V(dx), alpha, Flag(accumulate));

    /// <inheritdoc/>
    public void Prelu(Tensor x, Tensor slope, Tensor y, int rows, int channels, int inner) =>
        Run(rows * channels * inner, IlgpuKernels.Prelu, V(x), V(slope), V(y), channels, inner);

    /// <inheritdoc/>
    public void PreluBackward(Tensor x, Tensor slope, Tensor dy, Tensor? dx, Tensor dslope, int rows, int channels, int inner, bool accumulateInput, bool accumulateSlope)
    {
        // dslope[c] = sum over the channel's (row, inner) values of dy * min(x, 0): one segment per channel.
        ReduceSegments(new SegmentArgs(rows, channels, inner, IlgpuKernels.SumNegativeProduct, 1f, Flag(accumulateSlope)), V(dy), V(x), _dummy.View, V(dslope));
        if (dx is { } d)
        {
            Run(rows * channels * inner, IlgpuKernels.PreluBackward, V(x), V(slope), V(dy), V(d), channels, inner, Flag(accumulateInput));
        }
    }

    private static int ActivationCode(Activation f) => f switch
    {
        Activation.Relu => 0,
        Activation.Sigmoid => 1,
        Activation.Tanh => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "unknown activation"),
    };

    /// <inheritdoc/>
    public void Softmax(Tensor x, Tensor y, int rows, int cols) => Run(rows, IlgpuKernels.SoftmaxRow, V(x), V(y), cols);

    /// <inheritdoc/>
    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int rows, int cols, bool accumulate) =>
        Run(rows, IlgpuKernels.SoftmaxBackwardRow, V(y), V(dy), V(dx), cols, Flag(accumulate));
}
