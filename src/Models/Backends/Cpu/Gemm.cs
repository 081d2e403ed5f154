// Single-precision matrix multiply for the CPU backend: the public entry points, argument checks
// and the choice of kernel path and thread count. The blocked algorithm lives in the partial files.
using System.Runtime.InteropServices;

namespace Dtrain.Models.Backends.Cpu;

/// <summary>
/// Row-major SGEMM, <c>C = alpha * op(A) * op(B) + beta * C</c>, as a packed, cache-blocked,
/// register-tiled kernel in the GotoBLAS/BLIS style, multithreaded over a small team of helpers.
/// </summary>
public static unsafe partial class Gemm
{
    /// <summary>Below this many multiply-adds a call stays on the calling thread: waking a helper costs more.</summary>
    internal const long ParallelThreshold = 1L << 18;

    /// <summary>
    /// C = alpha * op(A) * op(B) + beta * C, all row-major. op(A) is m x k (A is k x m when
    /// <paramref name="transA"/>), op(B) is k x n (B is n x k when <paramref name="transB"/>).
    /// </summary>
    /// <param name="transA">Whether A is stored k x m and used transposed.</param>
    /// <param name="transB">Whether B is stored n x k and used transposed.</param>
    /// <param name="m">Rows of op(A) and of C.</param>
    /// <param name="n">Columns of op(B) and of C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A, row-major with row stride <paramref name="lda"/>.</param>
    /// <param name="lda">Row stride of A in elements, at least its stored width.</param>
    /// <param name="b">B, row-major with row stride <paramref name="ldb"/>.</param>
    /// <param name="ldb">Row stride of B in elements, at least its stored width.</param>
    /// <param name="beta">Scale of the old C; when 0, C is overwritten and its old contents (even NaN) ignored.</param>
    /// <param name="c">C, m x n, row-major with row stride <paramref name="ldc"/>; must not overlap A or B.</param>
    /// <param name="ldc">Row stride of C in elements, at least n.</param>
    /// <param name="maxThreads">How many threads this call may use; 0 or less means <see cref="Environment.ProcessorCount"/>.</param>
    /// <exception cref="ArgumentException">A size is negative, a stride too small or a span too short.</exception>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
        int maxThreads = 0) =>
        Sgemm(DefaultPath, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, maxThreads);

    /// <summary>
    /// Pointer form of <see cref="Sgemm(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int, int)"/>:
    /// the same contract, with the caller vouching that each buffer holds the elements its sizes and strides reach.
    /// </summary>
    /// <exception cref="ArgumentException">A size is negative, a stride too small or a needed pointer null.</exception>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, int maxThreads = 0)
    {
        CheckSizes(transA, transB, m, n, k, lda, ldb, ldc);
        CheckPointer(a, (long)m * k, nameof(a));
        CheckPointer(b, (long)k * n, nameof(b));
        CheckPointer(c, (long)m * n, nameof(c));
        Run(DefaultPath, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, maxThreads);
    }

    /// <summary>The span entry point with the kernel path forced, for tests and the bench.</summary>
    internal static void Sgemm(GemmPath path, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
        int maxThreads = 0)
    {
        CheckSizes(transA, transB, m, n, k, lda, ldb, ldc);
        CheckLength(a.Length, transA ? k : m, transA ? m : k, lda, nameof(a));
        CheckLength(b.Length, transB ? n : k, transB ? k : n, ldb, nameof(b));
        CheckLength(c.Length, m, n, ldc, nameof(c));
        fixed (float* pa = &MemoryMarshal.GetReference(a))
        fixed (float* pb = &MemoryMarshal.GetReference(b))
        fixed (float* pc = &MemoryMarshal.GetReference(c))
        {
            Run(path, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, maxThreads);
        }
    }

    /// <summary>The fastest kernel path this CPU supports.</summary>
    internal static GemmPath DefaultPath { get; } =
        Avx512Supported ? GemmPath.Avx512 : Avx2Supported ? GemmPath.Avx2 : GemmPath.Portable;

    /// <summary>Whether <paramref name="path"/> can run on this CPU.</summary>
    internal static bool IsSupported(GemmPath path) => path switch
    {
        GemmPath.Avx512 => Avx512Supported,
        GemmPath.Avx2 => Avx2Supported,
        _ => true,
    };

    /// <summary>The checked-arguments core that tests and the bench call with a forced kernel path.</summary>
    internal static void Run(GemmPath path, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, int maxThreads)
    {
        if (!IsSupported(path))
            throw new PlatformNotSupportedException($"The {path} GEMM kernel needs instructions this CPU lacks.");
        if (m == 0 || n == 0)
            return;
        if (k == 0 || alpha == 0f)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }

        var job = new GemmJob(KernelShape.For(path), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        int threads = maxThreads <= 0 ? Environment.ProcessorCount : Math.Min(maxThreads, Environment.ProcessorCount);
        if (threads > 1 && (long)m * n * k >= ParallelThreshold)
        {
            job.Split(threads);
            if (job.Parts > 1 && GemmTeam.TryRun(ref job))
                return;
        }
        job.Unsplit();
        job.RunPart(0);
    }

    /// <summary>C = beta * C, the whole answer when the product contributes nothing (k == 0 or alpha == 0).</summary>
    private static void ScaleC(int m, int n, float beta, float* c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (long)i * ldc, n);
            if (beta == 0f)
                row.Clear();
            else if (beta != 1f)
                for (int j = 0; j < row.Length; j++)
                    row[j] *= beta;
        }
    }

    private static void CheckSizes(bool transA, bool transB, int m, int n, int k, int lda, int ldb, int ldc)
    {
        if (m < 0)
            throw new ArgumentException($"m must not be negative (got {m}).", nameof(m));
        if (n < 0)
            throw new ArgumentException($"n must not be negative (got {n}).", nameof(n));
        if (k < 0)
            throw new ArgumentException($"k must not be negative (got {k}).", nameof(k));
        CheckStride(lda, transA ? m : k, transA ? "A is k x m (transA), so lda" : "A is m x k, so lda", nameof(lda));
        CheckStride(ldb, transB ? k : n, transB ? "B is n x k (transB), so ldb" : "B is k x n, so ldb", nameof(ldb));
        CheckStride(ldc, n, "C is m x n, so ldc", nameof(ldc));
    }

    private static void CheckStride(int stride, int width, string what, string name)
    {
        // BLAS asks for at least 1 even for empty matrices; doing the same keeps callers portable.
        if (stride < Math.Max(1, width))
            throw new ArgumentException($"{what} must be at least {Math.Max(1, width)} (got {stride}).", name);
    }

    private static void CheckLength(int length, int rows, int cols, int stride, string name)
    {
        long needed = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * stride + cols;
        if (length < needed)
            throw new ArgumentException(
                $"{name} holds {length} elements but a {rows} x {cols} matrix with row stride {stride} needs {needed}.", name);
    }

    private static void CheckPointer(float* p, long elements, string name)
    {
        if (p == null && elements > 0)
            throw new ArgumentException($"{name} is null but the sizes say it holds {elements} elements.", name);
    }
}
