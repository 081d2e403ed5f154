// The common max pooling case, a 2x2 window with stride 2 over even-sized planes, in AVX-512: a scalar
// loop pays a mispredicted branch on about every other comparison (the winner is a coin flip), which
// made LeNet-5's first pooling layer cost as much as a convolution.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dtrain.Models.Backends.Cpu;

/// <summary>
/// Two passes over one example. Pass 1 takes the larger of each vertical pair (rows 2q and 2q + 1) into a
/// scratch matrix of (C * H / 2) rows of W, with the winner's index. With W even, horizontal pairs of that
/// matrix never straddle a row, so pass 2 treats it as one long row: output o is the larger of elements
/// 2o and 2o + 1, which is exactly (c, oy, ox) order.
/// </summary>
internal static unsafe class MaxPool2x2
{
    /// <summary>Whether <paramref name="g"/> is the case this kernel handles on this CPU.</summary>
    public static bool Applies(in Window2d g) =>
        Avx512F.IsSupported && g is { KernelH: 2, KernelW: 2, StrideH: 2, StrideW: 2, PadH: 0, PadW: 0 }
        && g.Height % 2 == 0 && g.Width % 2 == 0;

    /// <summary>
    /// Pools one example. x: (C, H, W); y, argmax: (C, H/2, W/2), argmax as the winner's index in x;
    /// scratch: at least C * H * W floats (pass 1's maxima, then their indices).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Example(in Window2d g, float* x, float* y, float* argmax, float* scratch)
    {
        int width = g.Width, pairs = g.Channels * g.Height / 2, length = pairs * width;
        float* max = scratch;
        float* index = scratch + length;
        var lane = Vector512.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f, 13f, 14f, 15f);

        // Pass 1: vertical pairs, 16 columns at a time; a short row's last vector overlaps the previous
        // one, rewriting the same values.
        for (int q = 0; q < pairs; q++)
        {
            float* top = x + ((long)2 * q * width);
            float* m = max + ((long)q * width);
            float* id = index + ((long)q * width);
            float rowStart = 2f * q * width;
            if (width < 16 && width >= 8)
            {
                // Two 8-wide vectors cover 8 to 16 columns, the second overlapping the first.
                var lane8 = lane.GetLower();
                foreach (int k in (ReadOnlySpan<int>)[0, width - 8])
                {
                    var a = Vector256.Load(top + k);
                    var b = Vector256.Load(top + width + k);
                    var lower = Vector256.GreaterThan(b, a);
                    Vector256.Max(a, b).Store(m + k);
                    var at = Vector256.Create(rowStart + k) + lane8;
                    Vector256.ConditionalSelect(lower, at + Vector256.Create((float)width), at).Store(id + k);
                }

                continue;
            }

            if (width < 8)
            {
                for (int k = 0; k < width; k++)
                {
                    bool lower = top[width + k] > top[k];
                    m[k] = lower ? top[width + k] : top[k];
                    id[k] = rowStart + k + (lower ? width : 0);
                }

                continue;
            }

            for (int k0 = 0; ; k0 += 16)
            {
                int k = Math.Min(k0, width - 16);
                var a = Vector512.Load(top + k);
                var b = Vector512.Load(top + width + k);
                var lower = Vector512.GreaterThan(b, a);
                Vector512.Max(a, b).Store(m + k);
                var at = Vector512.Create(rowStart + k) + lane;
                Vector512.ConditionalSelect(lower, at + Vector512.Create((float)width), at).Store(id + k);
                if (k0 + 16 >= width)
                {
                    break;
                }
            }
        }

        // Pass 2: horizontal pairs over the whole scratch row, 16 outputs from 32 inputs per step.
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odd = even + Vector512<int>.One;
        int outputs = length / 2, o = 0;
        for (; o + 16 <= outputs; o += 16)
        {
            var m0 = Vector512.Load(max + (2 * o));
            var m1 = Vector512.Load(max + (2 * o) + 16);
            var i0 = Vector512.Load(index + (2 * o));
            var i1 = Vector512.Load(index + (2 * o) + 16);
            var left = Avx512F.PermuteVar16x32x2(m0, even, m1);
            var right = Avx512F.PermuteVar16x32x2(m0, odd, m1);
            var takeRight = Vector512.GreaterThan(right, left);
            Vector512.Max(left, right).Store(y + o);
            Vector512.ConditionalSelect(takeRight, Avx512F.PermuteVar16x32x2(i0, odd, i1), Avx512F.PermuteVar16x32x2(i0, even, i1)).Store(argmax + o);
        }

        for (; o < outputs; o++)
        {
            bool takeRight = max[(2 * o) + 1] > max[2 * o];
            y[o] = takeRight ? max[(2 * o) + 1] : max[2 * o];
            argmax[o] = takeRight ? index[(2 * o) + 1] : index[2 * o];
        }
    }
}
