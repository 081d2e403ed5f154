// im2col and col2im for one example: the copies that turn a convolution into a GEMM and its input
// gradient back into an image. Rows are short (a feature map is often 10 to 32 wide), so the copies
// and adds are written for short runs instead of calling memmove per row.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dtrain.Models.Backends.Cpu;

/// <summary>
/// The im2col matrix of one example is (<see cref="Window2d.PatchSize"/>, <see cref="Window2d.OutputPlane"/>):
/// row (c, i, j) holds, for every output position (oy, ox), the input at (c, oy*sh - ph + i, ox*sw - pw + j),
/// zero where that falls in the padding. A conv is then W (filters, PatchSize) x columns.
/// </summary>
internal static unsafe class Im2Col
{
    /// <summary>Writes one example's im2col matrix. x: (C, H, W); columns: (PatchSize, OutputPlane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Expand(in Window2d g, float* x, float* columns)
    {
        int outH = g.OutH, outW = g.OutW, plane = outH * outW;
        float* row = columns;
        for (int c = 0; c < g.Channels; c++)
        {
            float* image = x + ((long)c * g.Height * g.Width);
            for (int i = 0; i < g.KernelH; i++)
            {
                for (int j = 0; j < g.KernelW; j++, row += plane)
                {
                    var (lo, hi) = ValidColumns(g, j, outW);
                    for (int oy = 0; oy < outH; oy++)
                    {
                        float* dst = row + (oy * outW);
                        int iy = (oy * g.StrideH) - g.PadH + i;
                        if (iy < 0 || iy >= g.Height || hi <= lo)
                        {
                            Zero(dst, outW);
                            continue;
                        }

                        Zero(dst, lo);
                        Zero(dst + hi, outW - hi);
                        float* src = image + ((long)iy * g.Width) + (lo * g.StrideW) - g.PadW + j;
                        if (g.StrideW == 1)
                        {
                            CopyShort(src, dst + lo, hi - lo);
                        }
                        else
                        {
                            for (int ox = lo; ox < hi; ox++, src += g.StrideW)
                            {
                                dst[ox] = *src;
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Adds one example's im2col-shaped gradient into its image gradient dx: (C, H, W) (the transpose of <see cref="Expand"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddBack(in Window2d g, float* columns, float* dx)
    {
        int outH = g.OutH, outW = g.OutW, plane = outH * outW;
        float* row = columns;
        for (int c = 0; c < g.Channels; c++)
        {
            float* image = dx + ((long)c * g.Height * g.Width);
            for (int i = 0; i < g.KernelH; i++)
            {
                for (int j = 0; j < g.KernelW; j++, row += plane)
                {
                    var (lo, hi) = ValidColumns(g, j, outW);
                    if (hi <= lo)
                    {
                        continue;
                    }

                    for (int oy = 0; oy < outH; oy++)
                    {
                        int iy = (oy * g.StrideH) - g.PadH + i;
                        if (iy < 0 || iy >= g.Height)
                        {
                            continue;
                        }

                        float* src = row + (oy * outW) + lo;
                        float* dst = image + ((long)iy * g.Width) + (lo * g.StrideW) - g.PadW + j;
                        if (g.StrideW == 1)
                        {
                            AddShort(src, dst, hi - lo);
                        }
                        else
                        {
                            for (int ox = lo; ox < hi; ox++, dst += g.StrideW)
                            {
                                *dst += src[ox - lo];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>The output columns [lo, hi) whose input column ox*sw - pw + j lies inside the image.</summary>
    private static (int Lo, int Hi) ValidColumns(in Window2d g, int j, int outW)
    {
        // ox*sw >= pw - j  and  ox*sw <= W - 1 + pw - j.
        int first = g.PadW - j;
        int lo = first <= 0 ? 0 : (first + g.StrideW - 1) / g.StrideW;
        int last = g.Width - 1 + g.PadW - j;
        int hi = last < 0 ? 0 : Math.Min(outW, (last / g.StrideW) + 1);
        return (Math.Min(lo, outW), hi);
    }

    /// <summary>Copies n floats with full vectors; the last vector may overlap the previous one (same values, harmless).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CopyShort(float* src, float* dst, int n)
    {
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            int k = 0;
            for (; k + 16 <= n; k += 16)
            {
                Vector512.Store(Vector512.Load(src + k), dst + k);
            }

            if (k < n)
            {
                Vector512.Store(Vector512.Load(src + n - 16), dst + n - 16);
            }

            return;
        }

        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            int k = 0;
            for (; k + 8 <= n; k += 8)
            {
                Vector256.Store(Vector256.Load(src + k), dst + k);
            }

            if (k < n)
            {
                Vector256.Store(Vector256.Load(src + n - 8), dst + n - 8);
            }

            return;
        }

        for (int k = 0; k < n; k++)
        {
            dst[k] = src[k];
        }
    }

    /// <summary>dst[k] += src[k] for n floats (no overlap trick here: an element added twice would be wrong).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AddShort(float* src, float* dst, int n)
    {
        int k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; k + 16 <= n; k += 16)
            {
                Vector512.Store(Vector512.Load(dst + k) + Vector512.Load(src + k), dst + k);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; k + 8 <= n; k += 8)
            {
                Vector256.Store(Vector256.Load(dst + k) + Vector256.Load(src + k), dst + k);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; k + 4 <= n; k += 4)
            {
                Vector128.Store(Vector128.Load(dst + k) + Vector128.Load(src + k), dst + k);
            }
        }

        for (; k < n; k++)
        {
            dst[k] += src[k];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Zero(float* dst, int n)
    {
        if (n > 8)
        {
            new Span<float>(dst, n).Clear();
            return;
        }

        for (int k = 0; k < n; k++)
        {
            dst[k] = 0f;
        }
    }
}
