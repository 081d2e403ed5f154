// Kernels of the atomic tensor ops: elementwise arithmetic with row broadcasting, exp and log.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

/// <summary>The binary arithmetic the elementwise kernel applies.</summary>
public enum BinaryFunction
{
    /// <summary>a + b.</summary>
    Add,

    /// <summary>a - b.</summary>
    Subtract,

    /// <summary>a * b.</summary>
    Multiply,
}

/// <summary>Pointwise functions of the atomic <c>exp</c> and <c>log</c> ops.</summary>
public enum UnaryFunction
{
    /// <summary>e^x.</summary>
    Exp,

    /// <summary>ln x (NaN for x &lt; 0, -infinity at 0, as IEEE 754 says).</summary>
    Log,
}

public partial interface IBackend
{
    /// <summary>
    /// y = (accumulate ? y : 0) + f(a, b) over a (rows x cols) matrix. An operand marked broadcast holds one
    /// row of <paramref name="cols"/> floats that every row of the other operand meets, e.g. a bias (N)
    /// against activations (batch, N); otherwise it holds rows x cols floats.
    /// </summary>
    void Binary(BinaryFunction f, Tensor a, bool aBroadcast, Tensor b, bool bBroadcast, Tensor y, int rows, int cols, bool accumulate);

    /// <summary>y = (accumulate ? y : 0) + alpha * x, elementwise over equal-length tensors.</summary>
    void AddScaled(Tensor x, float alpha, Tensor y, bool accumulate);

    /// <summary>
    /// dst[c] = (accumulate ? dst[c] : 0) + sum over rows of x[r, c] * w[r, c]: the gradient of a broadcast
    /// factor in a product, which meets every row.
    /// </summary>
    void MultiplySumRows(Tensor x, Tensor w, Tensor dst, int rows, int cols, bool accumulate);

    /// <summary>y = f(x) elementwise.</summary>
    void Unary(UnaryFunction f, Tensor x, Tensor y);

    /// <summary>dx = (accumulate ? dx : 0) + dy * f'(x), where f'(x) is y for exp and 1/x for log.</summary>
    void UnaryBackward(UnaryFunction f, Tensor x, Tensor y, Tensor dy, Tensor dx, bool accumulate);
}
