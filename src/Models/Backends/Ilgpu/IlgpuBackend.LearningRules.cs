// The perceptron and Hopfield kernels on the device: one thread per element, the loss a mean of per-unit errors.
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc/>
    public void Perceptron(Tensor z, Tensor t, int rows, int cols, Tensor loss, Tensor? dz, bool accumulate)
    {
        // z, t, dz: (rows, cols)  loss: ()
        var count = rows * cols;
        CheckHolds(z, count, "z", nameof(Perceptron));
        CheckHolds(t, count, "t", nameof(Perceptron));
        var wrong = Scratch(count);
        var flags = (dz is null ? 0 : 1) | (accumulate ? 2 : 0);
        Run(count, IlgpuKernels.Perceptron, V(z), V(t), wrong, V(dz), flags, 1f / rows);
        Mean(wrong, count, loss);
    }

    /// <inheritdoc/>
    public void HopfieldWeightGradient(Tensor outer, Tensor dW, int n, bool accumulate)
    {
        CheckLength(outer.Length, n * n, nameof(HopfieldWeightGradient));
        CheckLength(dW.Length, n * n, nameof(HopfieldWeightGradient));
        Run(n * n, IlgpuKernels.HopfieldWeightGradient, V(outer), V(dW), n, Flag(accumulate));
    }
}
