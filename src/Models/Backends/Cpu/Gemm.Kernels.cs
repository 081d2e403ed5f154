// The register-tile micro-kernels' common contract, the instruction-set paths that provide one,
// and each path's tile and cache-block sizes.
using System.Numerics;
using System.Runtime.Intrinsics.X86;

namespace Dtrain.Models.Backends.Cpu;

/// <summary>Which micro-kernel family a GEMM call runs; tests force each one in turn.</summary>
internal enum GemmPath
{
    /// <summary>Vector&lt;float&gt; arithmetic and scalar packing: runs anywhere .NET does.</summary>
    Portable,

    /// <summary>256-bit vectors with fused multiply-add, 12 accumulators so 16 registers suffice.</summary>
    Avx2,

    /// <summary>512-bit vectors with fused multiply-add, 24 accumulators out of 32 registers.</summary>
    Avx512,
}

/// <summary>
/// A micro-kernel and the blocking that feeds it. The kernel computes one full Mr x Nr tile of C from
/// a packed A sliver (kc steps of Mr values) and a packed B sliver (kc steps of Nr values):
/// <c>c[i*ldc + j] = alpha * sum_p a[p*Mr + i] * b[p*Nr + j] + beta * c[i*ldc + j]</c>,
/// reading C only when beta != 0 so that beta == 0 overwrites NaN.
/// </summary>
internal readonly unsafe struct KernelShape
{
    /// <summary>Rows of the register tile: A values broadcast per step.</summary>
    public readonly int Mr;

    /// <summary>Columns of the register tile: B vectors loaded per step.</summary>
    public readonly int Nr;

    /// <summary>Depth of a packed sliver; Mr x Kc of A stays in L1 beside a streaming B sliver.</summary>
    public readonly int Kc;

    /// <summary>Rows of A packed at once; Mc x Kc floats sized to sit in the 1 MiB L2.</summary>
    public readonly int Mc;

    /// <summary>Columns of B packed at once; Kc x Nc floats sized for the shared L3.</summary>
    public readonly int Nc;

    /// <summary>Whether packing may use SSE shuffles and prefetches (the portable path keeps to plain code).</summary>
    public readonly bool X86Packing;

    /// <summary>The tile kernel: (kc, a, b, c, ldc, alpha, beta).</summary>
    public readonly delegate*<int, float*, float*, float*, int, float, float, void> Kernel;

    /// <summary>
    /// The same kernel computing only the left Nr / 2 columns, from the same packed slivers: half the
    /// work for a narrow edge (the 16 columns past 768 of 784, or all 10 of an output layer).
    /// </summary>
    public readonly delegate*<int, float*, float*, float*, int, float, float, void> HalfKernel;

    private KernelShape(int mr, int nr, int kc, int mc, int nc, bool x86Packing,
        delegate*<int, float*, float*, float*, int, float, float, void> kernel,
        delegate*<int, float*, float*, float*, int, float, float, void> halfKernel)
    {
        Mr = mr;
        Nr = nr;
        Kc = kc;
        Mc = mc;
        Nc = nc;
        X86Packing = x86Packing;
        Kernel = kernel;
        HalfKernel = halfKernel;
    }

    /// <summary>The shape for <paramref name="path"/>; Mc is a multiple of Mr and Nc of Nr.</summary>
    public static KernelShape For(GemmPath path) => path switch
    {
        GemmPath.Avx512 => new(Gemm.Avx512Mr, Gemm.Avx512Nr, 256, 144, 2048, true,
            &Gemm.KernelAvx512<FullWidth>, &Gemm.KernelAvx512<HalfWidth>),
        GemmPath.Avx2 => new(Gemm.Avx2Mr, Gemm.Avx2Nr, 256, 144, 2048, true,
            &Gemm.KernelAvx2<FullWidth>, &Gemm.KernelAvx2<HalfWidth>),
        _ => new(Gemm.PortableMr, Gemm.PortableNr, 256, 128, 2048, false,
            &Gemm.KernelPortable<FullWidth>, &Gemm.KernelPortable<HalfWidth>),
    };
}

/// <summary>
/// Whether a kernel instance computes its tile's full width or the left half. Kernels take it as a
/// struct type argument, so the JIT compiles each width separately and drops the untaken branches.
/// </summary>
internal interface ITileWidth
{
    /// <summary>True for the full Nr columns, false for the left Nr / 2.</summary>
    static abstract bool Full { get; }
}

/// <summary>The full Nr-column tile.</summary>
internal struct FullWidth : ITileWidth
{
    public static bool Full => true;
}

/// <summary>The left Nr / 2 columns of the tile.</summary>
internal struct HalfWidth : ITileWidth
{
    public static bool Full => false;
}

public static partial class Gemm
{
    /// <summary>The largest Mr * Nr of any path, for the edge-tile scratch on the stack.</summary>
    internal static int MaxTile => Math.Max(Avx512Mr * Avx512Nr, Math.Max(Avx2Mr * Avx2Nr, PortableMr * PortableNr));

    private static bool Avx512Supported => Avx512F.IsSupported;

    private static bool Avx2Supported => Avx.IsSupported && Fma.IsSupported;

    internal const int PortableMr = 4;

    internal static int PortableNr => 2 * Vector<float>.Count;
}
