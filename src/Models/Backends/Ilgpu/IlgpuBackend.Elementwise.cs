// The atomic ops' arithmetic on the device: broadcast binary functions, scaled adds, weighted column sums, exp
// and log.
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
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

    private static int UnaryCode(UnaryFunction f) => f switch
    {
        UnaryFunction.Exp => 0,
        UnaryFunction.Log => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "unknown unary function"),
    };
}
