// The register-tile micro-kernels' common contract, the instruction-set paths that provide one,
// and each path's tile and cache-block sizes.
using System.Runtime.Intrinsics.X86;

namespace Dtrain.Models.Backends.Cpu;

/// <summary>Which micro-kernel family a GEMM call runs; tests force each one in turn.</summary>
internal enum GemmPath
{
    /// <summary>Vector&lt;float&gt; arithmetic and plain packing: runs anywhere .NET does.</summary>
    Portable,

    /// <summary>256-bit vectors with fused multiply-add, 12 accumulators so 16 registers suffice.</summary>
    Avx2,

    /// <summary>512-bit vectors with fused multiply-add, 24 accumulators out of 32 registers.</summary>
    Avx512,
}

/// <summary>
/// A micro-kernel and the blocking that feeds it. The kernel computes one Mr x Nr tile of C from a
/// packed A sliver (kc steps of Mr values) and a packed B sliver (kc steps of Nr values):
/// <c>c[i*ldc + j] = alpha * sum_p a[p*Mr + i] * b[p*Nr + j] + beta * c[i*ldc + j]</c>,
/// reading C only when beta != 0 so that beta == 0 overwrites NaN. Three more instances compute only
/// the top ShortMr rows and/or the left Nr / 2 columns from the same slivers, so a narrow edge (the
/// last 8 of M = 128's rows, the last 16 of 784 columns, an output layer's 10) costs what it holds.
/// </summary>
internal readonly unsafe struct KernelShape
{
    /// <summary>Rows of the register tile: A values broadcast per step.</summary>
    public readonly int Mr;

    /// <summary>Rows of the short tile instances.</summary>
    public readonly int ShortMr;

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

    private readonly delegate*<int, float*, float*, float*, int, float, float, void> _whole, _leftHalf, _top, _topLeft;

    private KernelShape(int mr, int shortMr, int nr, int kc, int mc, int nc, bool x86Packing,
        delegate*<int, float*, float*, float*, int, float, float, void> whole,
        delegate*<int, float*, float*, float*, int, float, float, void> leftHalf,
        delegate*<int, float*, float*, float*, int, float, float, void> top,
        delegate*<int, float*, float*, float*, int, float, float, void> topLeft)
    {
        (Mr, ShortMr, Nr, Kc, Mc, Nc, X86Packing) = (mr, shortMr, nr, kc, mc, nc, x86Packing);
        _whole = whole;
        _leftHalf = leftHalf;
        _top = top;
        _topLeft = topLeft;
    }

    /// <summary>The shape for <paramref name="path"/>; Mc is a multiple of Mr and Nc of Nr.</summary>
    public static KernelShape For(GemmPath path) => path switch
    {
        GemmPath.Avx512 => new(Gemm.Avx512Mr, Gemm.Avx512ShortMr, Gemm.Avx512Nr, 256, 144, 2048, true,
            &Gemm.KernelAvx512<WholeTile>, &Gemm.KernelAvx512<LeftHalf>,
            &Gemm.KernelAvx512<TopRows>, &Gemm.KernelAvx512<TopLeft>),
        GemmPath.Avx2 => new(Gemm.Avx2Mr, Gemm.Avx2ShortMr, Gemm.Avx2Nr, 256, 144, 2048, true,
            &Gemm.KernelAvx2<WholeTile>, &Gemm.KernelAvx2<LeftHalf>,
            &Gemm.KernelAvx2<TopRows>, &Gemm.KernelAvx2<TopLeft>),
        _ => new(Gemm.PortableMr, Gemm.PortableShortMr, Gemm.PortableNr, 256, 128, 2048, false,
            &Gemm.KernelPortable<WholeTile>, &Gemm.KernelPortable<LeftHalf>,
            &Gemm.KernelPortable<TopRows>, &Gemm.KernelPortable<TopLeft>),
    };

    /// <summary>
    /// The cheapest kernel instance covering an mr x nr corner of a tile, and the rows and columns
    /// it writes (at least mr and nr).
    /// </summary>
    public delegate*<int, float*, float*, float*, int, float, float, void> Pick(int mr, int nr, out int rows, out int cols)
    {
        bool top = mr <= ShortMr, left = 2 * nr <= Nr;
        rows = top ? ShortMr : Mr;
        cols = left ? Nr / 2 : Nr;
        return top ? (left ? _topLeft : _top) : (left ? _leftHalf : _whole);
    }
}

/// <summary>
/// Which part of its tile a kernel instance computes. Kernels take it as a struct type argument, so
/// the JIT compiles each part separately and drops the code for rows and columns it leaves out.
/// </summary>
internal interface ITilePart
{
    /// <summary>True for all Mr rows, false for the top ShortMr.</summary>
    static abstract bool AllRows { get; }

    /// <summary>True for all Nr columns, false for the left Nr / 2.</summary>
    static abstract bool AllColumns { get; }
}

/// <summary>The whole Mr x Nr tile.</summary>
internal struct WholeTile : ITilePart
{
    public static bool AllRows => true;

    public static bool AllColumns => true;
}

/// <summary>All Mr rows, left Nr / 2 columns.</summary>
internal struct LeftHalf : ITilePart
{
    public static bool AllRows => true;

    public static bool AllColumns => false;
}

/// <summary>Top ShortMr rows, all Nr columns.</summary>
internal struct TopRows : ITilePart
{
    public static bool AllRows => false;

    public static bool AllColumns => true;
}

/// <summary>Top ShortMr rows, left Nr / 2 columns.</summary>
internal struct TopLeft : ITilePart
{
    public static bool AllRows => false;

    public static bool AllColumns => false;
}

public static partial class Gemm
{
    /// <summary>The largest Mr * Nr of any path, for the edge-tile scratch on the stack.</summary>
    internal static int MaxTile => Math.Max(Avx512Mr * Avx512Nr, Math.Max(Avx2Mr * Avx2Nr, PortableMr * PortableNr));

    private static bool Avx512Supported => Avx512F.IsSupported;

    private static bool Avx2Supported => Avx.IsSupported && Fma.IsSupported;
}
