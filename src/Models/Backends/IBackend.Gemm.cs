// Kernels of the matrix products: GEMM (plain, on strided row views, batched per example), the dense layer's
// fused forward, bias rows and column sums.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

public partial interface IBackend
{
    /// <summary>C = alpha * op(A) * op(B) + beta * C with op(A): m x k, op(B): k x n.</summary>
    void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    /// <summary>x[r, c] += bias[c] for a (rows x cols) matrix, in place.</summary>
    void AddBias(Tensor x, Tensor bias, int rows, int cols);

    /// <summary>dst[c] = (accumulate ? dst[c] : 0) + sum over rows of x[r, c]: the bias gradient.</summary>
    void SumRows(Tensor x, Tensor dst, int rows, int cols, bool accumulate);

    /// <summary>
    /// A dense layer's forward: y = f(x W + bias) for x: (rows x k), W: (k x n), bias: (n) or null, and f an
    /// <see cref="Activation"/> or null for none. A device backend adds the bias and applies f as it stores each
    /// product (one launch, one write of y); the CPU backend runs the GEMM, then bias and f over y in place.
    /// </summary>
    void DenseForward(Tensor x, Tensor w, Tensor? bias, Activation? f, Tensor y, int rows, int k, int n);

    /// <summary>
    /// For each of <paramref name="batch"/> examples e: C_e = alpha * op(A_e) * op(B_e) + beta * C_e, with
    /// A_e the (m x k, or k x m when transposed) matrix starting at e * m * k in <paramref name="a"/>, B_e
    /// at e * k * n in <paramref name="b"/> and C_e at e * m * n in <paramref name="c"/>.
    /// </summary>
    void BatchedGemm(bool transA, bool transB, int batch, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    /// <summary>C = alpha * op(A) * op(B) + beta * C on strided row views (op(A): m x k, op(B): k x n).</summary>
    void GemmStrided(bool transA, bool transB, int m, int n, int k, float alpha, StridedMatrix a, StridedMatrix b, float beta, StridedMatrix c);
}
