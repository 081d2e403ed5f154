// Packing: copies a block of A or B into the sliver layout the micro-kernels stream, so the kernel's
// loads are sequential and aligned whatever the caller's strides and transposes were.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dtrain.Models.Backends.Cpu;

public static unsafe partial class Gemm
{
    // A sliver is kc steps of `width` lanes: dst[p * width + j]. A's lanes are rows of op(A) (width Mr),
    // B's are columns of op(B) (width Nr). Each of the four transpose cases is one of two source
    // patterns: the lanes of one step lie side by side (PackSideBySide: A when transA, B when not
    // transB), or each lane's steps run along a source row (PackTransposed: A when not transA, B when
    // transB). Lanes past `lanes` (an edge tile) are zero so the kernel multiplies harmless values.

    /// <summary>Packs a sliver whose source holds step p's lanes contiguously at <c>src + p * ld</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PackSideBySide(float* src, long ld, int lanes, int kc, float* dst, int width)
    {
        for (int p = 0; p < kc; p++, src += ld, dst += width)
        {
            int j = 0;
            for (; j + 8 <= lanes; j += 8)
                Vector256.Store(Vector256.Load(src + j), dst + j);
            for (; j + 4 <= lanes; j += 4)
                Vector128.Store(Vector128.Load(src + j), dst + j);
            for (; j < lanes; j++)
                dst[j] = src[j];
            for (; j < width; j++)
                dst[j] = 0f;
        }
    }

    /// <summary>
    /// Packs a sliver whose source holds lane j's steps contiguously at <c>src + j * ld</c>. With
    /// <paramref name="sse"/>, four lanes at a time go through a 4 x 4 register transpose: four
    /// 16-byte loads and stores per 16 values instead of sixteen strided scalar stores.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PackTransposed(float* src, long ld, int lanes, int kc, float* dst, int width, bool sse)
    {
        int j = 0;
        if (sse && Sse.IsSupported)
        {
            for (; j + 4 <= lanes; j += 4)
                PackFourLanes(src + j * ld, ld, kc, dst + j, width);
        }
        for (; j < lanes; j++)
        {
            float* s = src + j * ld;
            for (int p = 0; p < kc; p++)
                dst[(long)p * width + j] = s[p];
        }
        for (; j < width; j++)
        {
            for (int p = 0; p < kc; p++)
                dst[(long)p * width + j] = 0f;
        }
    }

    /// <summary>Transposes four source rows (lanes) of kc steps into four adjacent lanes of the sliver.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackFourLanes(float* s0, long ld, int kc, float* dst, int width)
    {
        float* s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld;
        int p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            Vector128<float> r0 = Sse.LoadVector128(s0 + p), r1 = Sse.LoadVector128(s1 + p);
            Vector128<float> r2 = Sse.LoadVector128(s2 + p), r3 = Sse.LoadVector128(s3 + p);
            // Interleave pairs of rows, then pair the halves: column q of the rows becomes vector q.
            Vector128<float> t0 = Sse.UnpackLow(r0, r1), t1 = Sse.UnpackLow(r2, r3);
            Vector128<float> t2 = Sse.UnpackHigh(r0, r1), t3 = Sse.UnpackHigh(r2, r3);
            float* d = dst + (long)p * width;
            Sse.Store(d, Sse.MoveLowToHigh(t0, t1));
            Sse.Store(d + width, Sse.MoveHighToLow(t1, t0));
            Sse.Store(d + 2 * width, Sse.MoveLowToHigh(t2, t3));
            Sse.Store(d + 3 * width, Sse.MoveHighToLow(t3, t2));
        }
        for (; p < kc; p++)
        {
            float* d = dst + (long)p * width;
            d[0] = s0[p];
            d[1] = s1[p];
            d[2] = s2[p];
            d[3] = s3[p];
        }
    }
}
