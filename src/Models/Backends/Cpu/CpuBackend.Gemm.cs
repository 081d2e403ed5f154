// Matrix products on the CPU: GEMM dispatch, the dense layer's forward (GEMM, then bias and activation in
// place), bias rows and column sums, and GEMM on strided row views and per example.
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c)
    {
        var lda = transA ? m : k;
        var ldb = transB ? k : n;
        Cpu.Gemm.Sgemm(transA, transB, m, n, k, alpha, Span(a), lda, Span(b), ldb, beta, Span(c), n, Threads);
    }

    /// <inheritdoc/>
    public void DenseForward(Tensor x, Tensor w, Tensor? bias, Activation? f, Tensor y, int rows, int k, int n)
    {
        Gemm(false, false, rows, n, k, 1f, x, w, 0f, y);
        if (bias is { } b)
        {
            AddBias(y, b, rows, n);
        }

        if (f is { } activation)
        {
            // Elementwise, so in place is safe: each y[i] is read once, then written.
            Activate(activation, y, y);
        }
    }

    /// <inheritdoc/>
    public void AddBias(Tensor x, Tensor bias, int rows, int cols)
    {
        var xs = Span(x);
        var bs = Span(bias)[..cols];
        for (var r = 0; r < rows; r++)
        {
            Simd.AddInPlace(xs.Slice(r * cols, cols), bs);
        }
    }

    /// <inheritdoc/>
    public void SumRows(Tensor x, Tensor dst, int rows, int cols, bool accumulate)
    {
        var xs = Span(x);
        var ds = Span(dst)[..cols];
        if (!accumulate)
        {
            ds.Clear();
        }

        for (var r = 0; r < rows; r++)
        {
            Simd.AddInPlace(ds, xs.Slice(r * cols, cols));
        }
    }

    /// <inheritdoc/>
    public void BatchedGemm(bool transA, bool transB, int batch, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c)
    {
        CheckLength(a.Length, batch * m * k, nameof(BatchedGemm));
        CheckLength(b.Length, batch * k * n, nameof(BatchedGemm));
        CheckLength(c.Length, batch * m * n, nameof(BatchedGemm));
        for (var e = 0; e < batch; e++)
        {
            Gemm(transA, transB, m, n, k, alpha, a.Slice(e * m * k, m * k), b.Slice(e * k * n, k * n), beta, c.Slice(e * m * n, m * n));
        }
    }

    /// <inheritdoc/>
    public void GemmStrided(bool transA, bool transB, int m, int n, int k, float alpha, StridedMatrix a, StridedMatrix b, float beta, StridedMatrix c) =>
        Cpu.Gemm.Sgemm(transA, transB, m, n, k, alpha, Span(a.Data), a.Stride, Span(b.Data), b.Stride, beta, Span(c.Data), c.Stride, Threads);
}
