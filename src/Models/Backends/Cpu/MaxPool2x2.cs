// The common max pooling case, a 2x2 window with stride 2 over even-sized planes, in AVX-512: a scalar
// loop pays a mispredicted branch on about every other comparison (the winner is a coin flip), which
// made LeNet-5's first pooling layer cost as much as a convolution.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dtrain.Models.Backends.Cpu;

/// <summary>
/// Pools one example in two passes. Pass 1 takes the larger of each vertical pair (rows 2q and 2q + 1) into a
/// scratch matrix of (C * H / 2) rows of W. With W even, horizontal pairs of that matrix never straddle a row,
/// so pass 2 treats it as one long row: output o is the larger of elements 2o and 2o + 1, which is exactly
/// (c, oy, ox) order. The winner is recorded as its place in the window, 0 1 / 2 3, which backward expands
/// the same way in reverse: no division to find a window, and every input written once, so no clearing pass.
/// </summary>
internal static unsafe class MaxPool2x2
{
    /// <summary>Whether <paramref name="g"/> is the case this kernel handles on this CPU.</summary>
    public static bool Applies(in Window2d g) =>
        Avx512F.IsSupported && g is { KernelH: 2, KernelW: 2, StrideH: 2, StrideW: 2, PadH: 0, PadW: 0 }
        && g.Height % 2 == 0 && g.Width % 2 == 0;

    /// <summary>
    /// Forward for one example. x: (C, H, W); y, code: (C, H/2, W/2), code the winner's place in its window
    /// (0 top left, 1 top right, 2 bottom left, 3 bottom right) as a float; scratch: C * H * W floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(in Window2d g, float* x, float* y, float* code, float* scratch)
    {
        int width = g.Width, pairs = g.Channels * g.Height / 2, length = pairs * width;
        float* max = scratch;
        float* row = scratch + length;

        // Pass 1: vertical pairs, a row at a time; a short row's last vector overlaps the previous one,
        // rewriting the same values. row[k] is 2 where the bottom input won, else 0.
        for (int q = 0; q < pairs; q++)
        {
            float* top = x + ((long)2 * q * width);
            float* m = max + ((long)q * width);
            float* r = row + ((long)q * width);
            if (width >= 16)
            {
                for (int k0 = 0; k0 < width; k0 += 16)
                {
                    int k = Math.Min(k0, width - 16);
                    var (a, b) = (Vector512.Load(top + k), Vector512.Load(top + width + k));
                    Vector512.Max(a, b).Store(m + k);
                    Vector512.ConditionalSelect(Vector512.GreaterThan(b, a), Vector512.Create(2f), Vector512<float>.Zero).Store(r + k);
                }
            }
            else if (width >= 8)
            {
                foreach (int k in (ReadOnlySpan<int>)[0, width - 8])
                {
                    var (a, b) = (Vector256.Load(top + k), Vector256.Load(top + width + k));
                    Vector256.Max(a, b).Store(m + k);
                    Vector256.ConditionalSelect(Vector256.GreaterThan(b, a), Vector256.Create(2f), Vector256<float>.Zero).Store(r + k);
                }
            }
            else
            {
                for (int k = 0; k < width; k++)
                {
                    bool lower = top[width + k] > top[k];
                    m[k] = lower ? top[width + k] : top[k];
                    r[k] = lower ? 2f : 0f;
                }
            }
        }

        // Pass 2: horizontal pairs over the whole scratch row, 16 outputs from 32 inputs per step.
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odd = even + Vector512<int>.One;
        int outputs = length / 2, o = 0;
        for (; o + 16 <= outputs; o += 16)
        {
            var (m0, m1) = (Vector512.Load(max + (2 * o)), Vector512.Load(max + (2 * o) + 16));
            var (r0, r1) = (Vector512.Load(row + (2 * o)), Vector512.Load(row + (2 * o) + 16));
            var left = Avx512F.PermuteVar16x32x2(m0, even, m1);
            var right = Avx512F.PermuteVar16x32x2(m0, odd, m1);
            var takeRight = Vector512.GreaterThan(right, left);
            Vector512.Max(left, right).Store(y + o);
            var rowLeft = Avx512F.PermuteVar16x32x2(r0, even, r1);
            var rowRight = Avx512F.PermuteVar16x32x2(r0, odd, r1) + Vector512<float>.One;
            Vector512.ConditionalSelect(takeRight, rowRight, rowLeft).Store(code + o);
        }

        for (; o < outputs; o++)
        {
            bool takeRight = max[(2 * o) + 1] > max[2 * o];
            y[o] = takeRight ? max[(2 * o) + 1] : max[2 * o];
            code[o] = takeRight ? row[(2 * o) + 1] + 1f : row[2 * o];
        }
    }

    /// <summary>
    /// Backward for one example: dx (C, H, W) = dy at each window's winner and 0 elsewhere, or that added to dx
    /// with <paramref name="accumulate"/>. dy, code: (C, H/2, W/2); scratch: C * H * W floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(in Window2d g, float* dy, float* code, float* dx, bool accumulate, float* scratch)
    {
        int width = g.Width, pairs = g.Channels * g.Height / 2, length = pairs * width;
        float* tops = scratch;
        float* bottoms = scratch + length;

        // The reverse of pass 2: each output's gradient to one of four places, interleaved into top and bottom rows.
        var low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        var high = low + Vector512.Create(8);
        int outputs = length / 2, o = 0;
        for (; o + 16 <= outputs; o += 16)
        {
            var (d, c) = (Vector512.Load(dy + o), Vector512.Load(code + o));
            var topLeft = Vector512.ConditionalSelect(Vector512.Equals(c, Vector512<float>.Zero), d, Vector512<float>.Zero);
            var topRight = Vector512.ConditionalSelect(Vector512.Equals(c, Vector512<float>.One), d, Vector512<float>.Zero);
            var bottomLeft = Vector512.ConditionalSelect(Vector512.Equals(c, Vector512.Create(2f)), d, Vector512<float>.Zero);
            var bottomRight = Vector512.ConditionalSelect(Vector512.Equals(c, Vector512.Create(3f)), d, Vector512<float>.Zero);
            Avx512F.PermuteVar16x32x2(topLeft, low, topRight).Store(tops + (2 * o));
            Avx512F.PermuteVar16x32x2(topLeft, high, topRight).Store(tops + (2 * o) + 16);
            Avx512F.PermuteVar16x32x2(bottomLeft, low, bottomRight).Store(bottoms + (2 * o));
            Avx512F.PermuteVar16x32x2(bottomLeft, high, bottomRight).Store(bottoms + (2 * o) + 16);
        }

        for (; o < outputs; o++)
        {
            int c = (int)code[o];
            tops[2 * o] = c == 0 ? dy[o] : 0f;
            tops[(2 * o) + 1] = c == 1 ? dy[o] : 0f;
            bottoms[2 * o] = c == 2 ? dy[o] : 0f;
            bottoms[(2 * o) + 1] = c == 3 ? dy[o] : 0f;
        }

        for (int q = 0; q < pairs; q++)
        {
            float* to = dx + ((long)2 * q * width);
            if (accumulate)
            {
                Im2Col.AddShort(tops + ((long)q * width), to, width);
                Im2Col.AddShort(bottoms + ((long)q * width), to + width, width);
            }
            else
            {
                Im2Col.CopyShort(tops + ((long)q * width), to, width);
                Im2Col.CopyShort(bottoms + ((long)q * width), to + width, width);
            }
        }
    }
}
