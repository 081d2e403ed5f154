// Packing: copies a block of A or B into the sliver layout the micro-kernels stream, so the kernel's
// loads are sequential and aligned whatever the caller's strides and transposes were.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dtrain.Models.Backends.Cpu;

public static unsafe partial class Gemm
{
    // A sliver is kc steps of `width` lanes: dst[p * width + j]. A block of `lanes` lanes becomes
    // ceil(lanes / width) slivers laid end to end, sliver s at dst + s * width * kc. A's lanes are rows
    // of op(A) (width Mr), B's are columns of op(B) (width Nr). Each of the four transpose cases is one
    // of two source patterns: the lanes of one step lie side by side (PackSideBySide: A when transA, B
    // when not transB), or each lane's steps run along a source row (PackTransposed: A when not
    // transA, B when transB). Lanes past the last (an edge tile) are zero, harmless to multiply
    // (left as stale floats they could be denormals, which some FMA units handle slowly).
    //
    // PackSideBySide walks the source a few steps at a time across all slivers, so each source row is
    // read in one sequential run; sliver by sliver, the reads would stride by ld (often 2 or 4 KiB,
    // aliasing in L1). PackTransposed goes a sliver at a time, one cache line of each lane's row per
    // pass. Before these orders and the prefetches below, packing cost up to a fifth of 128x784x512.

    /// <summary>
    /// Packs a block whose source holds step p's lanes contiguously at <c>src + p * ld</c>. With
    /// <paramref name="x86"/>, each row segment is prefetched one pass ahead: source not already in L2
    /// (a weight matrix the optimizer just rewrote) otherwise packs at a third of the speed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PackSideBySide(float* src, long ld, int lanes, int kc, float* dst, int width, bool x86)
    {
        bool prefetch = x86 && Sse.IsSupported;
        const int StepsPerPass = 8;
        for (int p0 = 0; p0 < kc; p0 += StepsPerPass)
        {
            int steps = Math.Min(StepsPerPass, kc - p0);
            for (int j0 = 0; j0 < lanes; j0 += width)
            {
                int w = Math.Min(width, lanes - j0);
                float* s = src + p0 * ld + j0;
                float* d = dst + (long)j0 * kc + (long)p0 * width;
                if (w < width)
                    new Span<float>(d, steps * width).Clear();
                for (int p = 0; p < steps; p++, s += ld, d += width)
                {
                    if (prefetch)
                    {
                        for (int q = 0; q < w; q += 16)
                            Sse.Prefetch0(s + StepsPerPass * ld + q);
                    }
                    int j = 0;
                    for (; j + 8 <= w; j += 8)
                        Vector256.Store(Vector256.Load(s + j), d + j);
                    for (; j + 4 <= w; j += 4)
                        Vector128.Store(Vector128.Load(s + j), d + j);
                    for (; j < w; j++)
                        d[j] = s[j];
                }
            }
        }
    }

    /// <summary>
    /// Packs a block whose source holds lane j's steps contiguously at <c>src + j * ld</c>. With
    /// <paramref name="x86"/>, four lanes at a time go through a 4 x 4 register transpose (four 16-byte
    /// loads and stores per 16 values instead of sixteen strided scalar stores), and each lane's row is
    /// prefetched four lines ahead: with a sliver's 32 rows interleaved, the hardware prefetchers lose
    /// track, and cold source packed 4x slower without it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PackTransposed(float* src, long ld, int lanes, int kc, float* dst, int width, bool x86)
    {
        const int PrefetchSteps = 64;
        // A sliver at a time, 16 steps (one 64-byte line of each of its source rows) per pass.
        const int StepsPerPass = 16;
        for (int j0 = 0; j0 < lanes; j0 += width)
        {
            int w = Math.Min(width, lanes - j0);
            for (int p0 = 0; p0 < kc; p0 += StepsPerPass)
            {
                int steps = Math.Min(StepsPerPass, kc - p0);
                float* s = src + j0 * ld + p0;
                float* d = dst + (long)j0 * kc + (long)p0 * width;
                // The padding lanes of a narrow sliver are interleaved with the data: clear the run first.
                if (w < width)
                    new Span<float>(d, steps * width).Clear();
                int j = 0;
                if (x86 && Sse.IsSupported)
                {
                    for (; j + 4 <= w; j += 4)
                    {
                        float* ahead = s + j * ld + PrefetchSteps;
                        Sse.Prefetch0(ahead);
                        Sse.Prefetch0(ahead + ld);
                        Sse.Prefetch0(ahead + 2 * ld);
                        Sse.Prefetch0(ahead + 3 * ld);
                        PackFourLanes(s + j * ld, ld, steps, d + j, width);
                    }
                }
                for (; j < w; j++)
                {
                    for (int p = 0; p < steps; p++)
                        d[p * width + j] = s[j * ld + p];
                }
            }
        }
    }

    /// <summary>Transposes four source rows (lanes) of <paramref name="kc"/> steps into four adjacent lanes of a sliver.</summary>
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
