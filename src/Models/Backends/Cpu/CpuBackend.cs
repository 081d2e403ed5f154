// The managed SIMD CPU backend: transfers, GEMM dispatch and the small linear-algebra kernels.
using System.Runtime.Intrinsics;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

/// <summary>
/// Runs every kernel on the host with System.Runtime.Intrinsics (Vector512 where AVX-512 exists,
/// Vector256 otherwise, scalar tails). GEMM uses up to <see cref="Threads"/> threads; the pointwise
/// kernels run on the calling thread because at training batch sizes they are a few microseconds.
/// </summary>
public sealed partial class CpuBackend : IBackend
{
    /// <summary>Creates a backend that lets each GEMM use <paramref name="threads"/> threads (0: all cores).</summary>
    public CpuBackend(int threads = 0)
    {
        Threads = threads > 0 ? threads : Environment.ProcessorCount;
    }

    /// <summary>Threads one GEMM may use.</summary>
    public int Threads { get; }

    /// <summary>The widest vector the kernels use on this machine.</summary>
    public static string SimdLevel =>
        Vector512.IsHardwareAccelerated ? "avx512" : Vector256.IsHardwareAccelerated ? "avx2" : "portable";

    /// <inheritdoc/>
    public string Name => $"cpu {SimdLevel} x{Threads}";

    /// <inheritdoc/>
    public IBuffer Allocate(int length) => new CpuBuffer(length);

    /// <summary>The host span a tensor views (valid for tensors of this backend only).</summary>
    public static Span<float> Span(Tensor t) => ((CpuBuffer)t.Buffer).Data.AsSpan(t.Offset, t.Length);

    /// <inheritdoc/>
    public void Upload(ReadOnlySpan<float> source, Tensor target)
    {
        CheckLength(source.Length, target.Length, nameof(Upload));
        source.CopyTo(Span(target));
    }

    /// <inheritdoc/>
    public void Download(Tensor source, Span<float> target)
    {
        CheckLength(source.Length, target.Length, nameof(Download));
        Span(source).CopyTo(target);
    }

    /// <inheritdoc/>
    public HostBuffer AllocateHost(int length) => new ArrayHostBuffer(length);

    /// <inheritdoc/>
    public void DownloadAsync(Tensor source, HostBuffer target, int offset)
    {
        // Host memory already: the copy is done before this returns, so every fence has passed.
        target.CheckFits(offset, source.Length, nameof(DownloadAsync));
        Span(source).CopyTo(target.Array.AsSpan(offset, source.Length));
    }

    /// <inheritdoc/>
    public DeviceFence Fence() => DeviceFence.Passed;

    /// <inheritdoc/>
    public void Fill(Tensor target, float value) => Span(target).Fill(value);

    /// <inheritdoc/>
    public void Accumulate(Tensor source, Tensor target)
    {
        CheckLength(source.Length, target.Length, nameof(Accumulate));
        Simd.AddInPlace(Span(target), Span(source));
    }

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
    public void Dispose()
    {
    }

    private static void CheckLength(int source, int target, string operation)
    {
        if (source != target)
        {
            throw new ArgumentException($"{operation}: source has {source} floats but target has {target}");
        }
    }
}
