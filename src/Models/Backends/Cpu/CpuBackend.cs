// The managed SIMD CPU backend: construction, buffers, fill and accumulate; each kernel family lives in the
// CpuBackend.<Topic>.cs file named like its IBackend.<Topic>.cs.
using System.Runtime.Intrinsics;
using static Dtrain.Models.Backends.KernelArguments;
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
    public void Fill(Tensor target, float value) => Span(target).Fill(value);

    /// <inheritdoc/>
    public void Accumulate(Tensor source, Tensor target)
    {
        CheckLength(source.Length, target.Length, nameof(Accumulate));
        Simd.AddInPlace(Span(target), Span(source));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
