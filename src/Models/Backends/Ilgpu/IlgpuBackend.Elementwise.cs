// Pointwise ops on the device: activations, the atomic ops' arithmetic, parametrized activations, dropout, and
// the clipping kernels (a sum of squares reduced on the device, a scale).
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
    public void Binary(BinaryFunction f, Tensor a, bool aBroadcast, Tensor b, bool bBroadcast, Tensor y, int rows, int cols, bool accumulate)
    {
        CheckOperand(a, aBroadcast, rows, cols, nameof(Binary));
        CheckOperand(b, bBroadcast, rows, cols, nameof(Binary));
        CheckOperand(y, false, rows, cols, nameof(Binary));
        var code = f switch
        {
            BinaryFunction.Add => 0,
            BinaryFunction.Subtract => 1,
            BinaryFunction.Multiply => 2,
            _ => throw new ArgumentOutOfRangeException(nameof(f), f, "unknown binary function"),
        };
        Run(rows * cols, IlgpuKernels.Binary, V(a), V(b), V(y), code, Flag(aBroadcast), Flag(bBroadcast), cols, Flag(accumulate));
    }

    /// <inheritdoc/>
    public void AddScaled(Tensor x, float alpha, Tensor y, bool accumulate)
    {
        CheckLength(x.Length, y.Length, nameof(AddScaled));
        Run(x.Length, IlgpuKernels.Axpy, V(x), V(y), alpha, Flag(accumulate));
    }

    /// <inheritdoc/>
    public void MultiplySumRows(Tensor x, Tensor w, Tensor dst, int rows, int cols, bool accumulate)
    {
        CheckOperand(x, false, rows, cols, nameof(MultiplySumRows));
        CheckOperand(w, false, rows, cols, nameof(MultiplySumRows));
        CheckOperand(dst, true, rows, cols, nameof(MultiplySumRows));
        Run(cols, IlgpuKernels.ColumnSums, V(x), V(w), V(dst), rows, cols, 1, Flag(accumulate));
    }

    /// <inheritdoc/>
    public void Unary(UnaryFunction f, Tensor x, Tensor y)
    {
        CheckLength(x.Length, y.Length, nameof(Unary));
        Run(x.Length, IlgpuKernels.Unary, V(x), V(y), UnaryCode(f));
    }

    /// <inheritdoc/>
    public void UnaryBackward(UnaryFunction f, Tensor x, Tensor y, Tensor dy, Tensor dx, bool accumulate)
    {
        CheckLength(x.Length, dx.Length, nameof(UnaryBackward));
        Run(x.Length, IlgpuKernels.UnaryBackward, V(x), V(y), V(dy), V(dx), UnaryCode(f), Flag(accumulate));
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

    /// <inheritdoc/>
    public void DropoutMask(Tensor mask, float rate, ulong seed)
    {
        var threshold = (uint)Math.Min(rate * 4294967296.0, uint.MaxValue);
        Run(mask.Length, IlgpuKernels.DropoutMask, V(mask), (uint)seed, (uint)(seed >> 32), threshold, 1f / (1f - rate));
    }

    /// <inheritdoc/>
    public void DropoutApply(Tensor x, Tensor mask, Tensor y, bool accumulate)
    {
        CheckLength(x.Length, mask.Length, nameof(DropoutApply));
        Run(x.Length, IlgpuKernels.DropoutApply, V(x), V(mask), V(y), Flag(accumulate));
    }

    /// <inheritdoc/>
    public void SumOfSquares(Tensor x, Tensor result, bool accumulate)
    {
        CheckLength(result.Length, 1, nameof(SumOfSquares));
        ReduceSegments(new SegmentArgs(1, 1, x.Length, IlgpuKernels.SumSquares, 1f, Flag(accumulate)), V(x), _dummy.View, _dummy.View, V(result));
    }

    /// <inheritdoc/>
    public void Scale(Tensor x, float alpha) => Run(x.Length, IlgpuKernels.Axpy, V(x), V(x), alpha, 0);

    private static int ActivationCode(Activation f) => f switch
    {
        Activation.Relu => 0,
        Activation.Sigmoid => 1,
        Activation.Tanh => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "unknown activation"),
    };

    private static int UnaryCode(UnaryFunction f) => f switch
    {
        UnaryFunction.Exp => 0,
        UnaryFunction.Log => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "unknown unary function"),
    };

    private static void CheckOperand(Tensor t, bool broadcast, int rows, int cols, string kernel)
    {
        var want = broadcast ? cols : rows * cols;
        if (t.Length != want)
        {
            throw new ArgumentException($"{kernel}: an operand has {t.Length} floats but {(broadcast ? $"a broadcast row of {cols}" : $"a {rows} x {cols} matrix")} needs {want}");
        }
    }
}
