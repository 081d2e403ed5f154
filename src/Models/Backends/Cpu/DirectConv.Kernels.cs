// The AVX-512 register tiles of the direct stride-1 convolution (see DirectConv.cs for the layout they read).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dtrain.Models.Backends.Cpu;

internal static unsafe partial class DirectConv
{
    /// <summary>
    /// out[r, 0..32) = bias[r] + sum_k w[k * rows + r] * xp[offsets[k] + 0..32) for the tile's rows r (filters):
    /// a GEMM tile whose B rows are shifted windows of the padded image instead of packed im2col rows.
    /// A half-width tile computes and stores columns 0..16 only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardTile<TTile>(float* w, int* offsets, int k, float* xp, float* bias, float* output, int ldo)
        where TTile : struct, IDirectTile
    {
        Vector512<float> c0l = Vector512.Create(bias[0]), c0h = c0l, c1l = Vector512.Create(bias[1]), c1h = c1l;
        Vector512<float> c2l = Vector512.Create(bias[2]), c2h = c2l, c3l = Vector512.Create(bias[3]), c3h = c3l;
        Vector512<float> c4l = Vector512.Create(bias[4]), c4h = c4l, c5l = Vector512.Create(bias[5]), c5h = c5l;
        Vector512<float> c6l = default, c6h = default, c7l = default, c7h = default;
        if (TTile.Rows == 8)
        {
            (c6l, c7l) = (Vector512.Create(bias[6]), Vector512.Create(bias[7]));
            (c6h, c7h) = (c6l, c7l);
        }

        for (int p = 0; p < k; p++, w += TTile.Rows)
        {
            float* src = xp + offsets[p];
            Vector512<float> b0 = Vector512.Load(src), b1 = TTile.FullWidth ? Vector512.Load(src + 16) : default, x;
            x = Vector512.Create(w[0]);
            c0l = Avx512F.FusedMultiplyAdd(x, b0, c0l);
            if (TTile.FullWidth)
            {
                c0h = Avx512F.FusedMultiplyAdd(x, b1, c0h);
            }
            x = Vector512.Create(w[1]);
            c1l = Avx512F.FusedMultiplyAdd(x, b0, c1l);
            if (TTile.FullWidth)
            {
                c1h = Avx512F.FusedMultiplyAdd(x, b1, c1h);
            }
            x = Vector512.Create(w[2]);
            c2l = Avx512F.FusedMultiplyAdd(x, b0, c2l);
            if (TTile.FullWidth)
            {
                c2h = Avx512F.FusedMultiplyAdd(x, b1, c2h);
            }
            x = Vector512.Create(w[3]);
            c3l = Avx512F.FusedMultiplyAdd(x, b0, c3l);
            if (TTile.FullWidth)
            {
                c3h = Avx512F.FusedMultiplyAdd(x, b1, c3h);
            }
            x = Vector512.Create(w[4]);
            c4l = Avx512F.FusedMultiplyAdd(x, b0, c4l);
            if (TTile.FullWidth)
            {
                c4h = Avx512F.FusedMultiplyAdd(x, b1, c4h);
            }
            x = Vector512.Create(w[5]);
            c5l = Avx512F.FusedMultiplyAdd(x, b0, c5l);
            if (TTile.FullWidth)
            {
                c5h = Avx512F.FusedMultiplyAdd(x, b1, c5h);
            }
            if (TTile.Rows == 8)
            {
                x = Vector512.Create(w[6]);
                c6l = Avx512F.FusedMultiplyAdd(x, b0, c6l);
                if (TTile.FullWidth)
                {
                    c6h = Avx512F.FusedMultiplyAdd(x, b1, c6h);
                }
                x = Vector512.Create(w[7]);
                c7l = Avx512F.FusedMultiplyAdd(x, b0, c7l);
                if (TTile.FullWidth)
                {
                    c7h = Avx512F.FusedMultiplyAdd(x, b1, c7h);
                }
            }
        }

        StoreRows<TTile>(output, ldo, c0l, c0h, c1l, c1h, c2l, c2h, c3l, c3h, c4l, c4h, c5l, c5h, c6l, c6h, c7l, c7h);
    }

    /// <summary>
    /// For 8 patch rows r: columns[r * ldc + 0..32) = sum_f w[f * ldw + r] * dy[f * ldd + 0..32), a tile of
    /// W^T dy, the input gradient in im2col form (<see cref="AddColumns"/> folds it into the image).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputTile<TTile>(float* w, int ldw, int filters, float* dy, int ldd, float* columns, int ldc)
        where TTile : struct, IDirectTile
    {
        Vector512<float> c0l = default, c0h = default, c1l = default, c1h = default;
        Vector512<float> c2l = default, c2h = default, c3l = default, c3h = default;
        Vector512<float> c4l = default, c4h = default, c5l = default, c5h = default;
        Vector512<float> c6l = default, c6h = default, c7l = default, c7h = default;
        for (int f = 0; f < filters; f++, w += ldw, dy += ldd)
        {
            Vector512<float> b0 = Vector512.Load(dy), b1 = TTile.FullWidth ? Vector512.Load(dy + 16) : default, x;
            x = Vector512.Create(w[0]);
            c0l = Avx512F.FusedMultiplyAdd(x, b0, c0l);
            if (TTile.FullWidth)
            {
                c0h = Avx512F.FusedMultiplyAdd(x, b1, c0h);
            }
            x = Vector512.Create(w[1]);
            c1l = Avx512F.FusedMultiplyAdd(x, b0, c1l);
            if (TTile.FullWidth)
            {
                c1h = Avx512F.FusedMultiplyAdd(x, b1, c1h);
            }
            x = Vector512.Create(w[2]);
            c2l = Avx512F.FusedMultiplyAdd(x, b0, c2l);
            if (TTile.FullWidth)
            {
                c2h = Avx512F.FusedMultiplyAdd(x, b1, c2h);
            }
            x = Vector512.Create(w[3]);
            c3l = Avx512F.FusedMultiplyAdd(x, b0, c3l);
            if (TTile.FullWidth)
            {
                c3h = Avx512F.FusedMultiplyAdd(x, b1, c3h);
            }
            x = Vector512.Create(w[4]);
            c4l = Avx512F.FusedMultiplyAdd(x, b0, c4l);
            if (TTile.FullWidth)
            {
                c4h = Avx512F.FusedMultiplyAdd(x, b1, c4h);
            }
            x = Vector512.Create(w[5]);
            c5l = Avx512F.FusedMultiplyAdd(x, b0, c5l);
            if (TTile.FullWidth)
            {
                c5h = Avx512F.FusedMultiplyAdd(x, b1, c5h);
            }
            x = Vector512.Create(w[6]);
            c6l = Avx512F.FusedMultiplyAdd(x, b0, c6l);
            if (TTile.FullWidth)
            {
                c6h = Avx512F.FusedMultiplyAdd(x, b1, c6h);
            }
            x = Vector512.Create(w[7]);
            c7l = Avx512F.FusedMultiplyAdd(x, b0, c7l);
            if (TTile.FullWidth)
            {
                c7h = Avx512F.FusedMultiplyAdd(x, b1, c7h);
            }
        }

        StoreRows<TTile>(columns, ldc, c0l, c0h, c1l, c1h, c2l, c2h, c3l, c3h, c4l, c4h, c5l, c5h, c6l, c6h, c7l, c7h);
    }

    /// <summary>
    /// acc[(fi * 4 + ki) * 16 + lane] += sum over 16-wide chunks c of dy[fi * ldd + c] * xp[offsets[ki] + c] for a
    /// 4 x 4 block of (filter, patch row) pairs: weight-gradient dot products kept as 16 lanes, summed at the end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightBlock(float* dy, int ldd, float* xp, int* offsets, int length, float* acc)
    {
        float* x0 = xp + offsets[0], x1 = xp + offsets[1], x2 = xp + offsets[2], x3 = xp + offsets[3];
        float* d0 = dy, d1 = dy + ldd, d2 = dy + (2 * ldd), d3 = dy + (3 * ldd);
        Vector512<float> a00 = Vector512.Load(acc), a01 = Vector512.Load(acc + 16), a02 = Vector512.Load(acc + 32), a03 = Vector512.Load(acc + 48);
        Vector512<float> a10 = Vector512.Load(acc + 64), a11 = Vector512.Load(acc + 80), a12 = Vector512.Load(acc + 96), a13 = Vector512.Load(acc + 112);
        Vector512<float> a20 = Vector512.Load(acc + 128), a21 = Vector512.Load(acc + 144), a22 = Vector512.Load(acc + 160), a23 = Vector512.Load(acc + 176);
        Vector512<float> a30 = Vector512.Load(acc + 192), a31 = Vector512.Load(acc + 208), a32 = Vector512.Load(acc + 224), a33 = Vector512.Load(acc + 240);
        for (int c = 0; c < length; c += 16)
        {
            Vector512<float> v0 = Vector512.Load(x0 + c), v1 = Vector512.Load(x1 + c), v2 = Vector512.Load(x2 + c), v3 = Vector512.Load(x3 + c);
            var g = Vector512.Load(d0 + c);
            a00 = Avx512F.FusedMultiplyAdd(g, v0, a00);
            a01 = Avx512F.FusedMultiplyAdd(g, v1, a01);
            a02 = Avx512F.FusedMultiplyAdd(g, v2, a02);
            a03 = Avx512F.FusedMultiplyAdd(g, v3, a03);
            g = Vector512.Load(d1 + c);
            a10 = Avx512F.FusedMultiplyAdd(g, v0, a10);
            a11 = Avx512F.FusedMultiplyAdd(g, v1, a11);
            a12 = Avx512F.FusedMultiplyAdd(g, v2, a12);
            a13 = Avx512F.FusedMultiplyAdd(g, v3, a13);
            g = Vector512.Load(d2 + c);
            a20 = Avx512F.FusedMultiplyAdd(g, v0, a20);
            a21 = Avx512F.FusedMultiplyAdd(g, v1, a21);
            a22 = Avx512F.FusedMultiplyAdd(g, v2, a22);
            a23 = Avx512F.FusedMultiplyAdd(g, v3, a23);
            g = Vector512.Load(d3 + c);
            a30 = Avx512F.FusedMultiplyAdd(g, v0, a30);
            a31 = Avx512F.FusedMultiplyAdd(g, v1, a31);
            a32 = Avx512F.FusedMultiplyAdd(g, v2, a32);
            a33 = Avx512F.FusedMultiplyAdd(g, v3, a33);
        }

        a00.Store(acc);
        a01.Store(acc + 16);
        a02.Store(acc + 32);
        a03.Store(acc + 48);
        a10.Store(acc + 64);
        a11.Store(acc + 80);
        a12.Store(acc + 96);
        a13.Store(acc + 112);
        a20.Store(acc + 128);
        a21.Store(acc + 144);
        a22.Store(acc + 160);
        a23.Store(acc + 176);
        a30.Store(acc + 192);
        a31.Store(acc + 208);
        a32.Store(acc + 224);
        a33.Store(acc + 240);
    }

    /// <summary>Stores a tile's rows (6 or 8) of 32 or 16 columns at stride <paramref name="ld"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRows<TTile>(float* o, int ld, Vector512<float> c0l, Vector512<float> c0h, Vector512<float> c1l, Vector512<float> c1h,
        Vector512<float> c2l, Vector512<float> c2h, Vector512<float> c3l, Vector512<float> c3h, Vector512<float> c4l, Vector512<float> c4h,
        Vector512<float> c5l, Vector512<float> c5h, Vector512<float> c6l, Vector512<float> c6h, Vector512<float> c7l, Vector512<float> c7h)
        where TTile : struct, IDirectTile
    {
        c0l.Store(o);
        c1l.Store(o + ld);
        c2l.Store(o + (2 * ld));
        c3l.Store(o + (3 * ld));
        c4l.Store(o + (4 * ld));
        c5l.Store(o + (5 * ld));
        if (TTile.Rows == 8)
        {
            c6l.Store(o + (6 * ld));
            c7l.Store(o + (7 * ld));
        }

        if (!TTile.FullWidth)
        {
            return;
        }

        c0h.Store(o + 16);
        c1h.Store(o + ld + 16);
        c2h.Store(o + (2 * ld) + 16);
        c3h.Store(o + (3 * ld) + 16);
        c4h.Store(o + (4 * ld) + 16);
        c5h.Store(o + (5 * ld) + 16);
        if (TTile.Rows == 8)
        {
            c6h.Store(o + (6 * ld) + 16);
            c7h.Store(o + (7 * ld) + 16);
        }
    }

    /// <summary>
    /// dxp[offsets[k] + 0..length) += columns[k * length + 0..length) for each patch row k: col2im in the wide
    /// layout, one long run per row. Adding straight from the tile's registers was 2.5x slower: neighbouring taps
    /// overlap by all but one float, and each load then waited on a store it only partly overlapped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddColumns(float* columns, int* offsets, int rows, int length, float* dxp)
    {
        for (int k = 0; k < rows; k++, columns += length)
        {
            float* dst = dxp + offsets[k];
            for (int p = 0; p < length; p += 16)
            {
                (Vector512.Load(dst + p) + Vector512.Load(columns + p)).Store(dst + p);
            }
        }
    }
}

/// <summary>
/// The shape of a direct-convolution tile, as a struct type argument so the JIT compiles each shape apart and
/// drops the rows and columns it leaves out: 8 or 6 rows (LeNet's conv1 has 6 filters), 32 or 16 columns.
/// </summary>
internal interface IDirectTile
{
    static abstract int Rows { get; }

    static abstract bool FullWidth { get; }
}

internal struct Rows8Wide : IDirectTile
{
    public static int Rows => 8;

    public static bool FullWidth => true;
}

internal struct Rows8Narrow : IDirectTile
{
    public static int Rows => 8;

    public static bool FullWidth => false;
}

internal struct Rows6Wide : IDirectTile
{
    public static int Rows => 6;

    public static bool FullWidth => true;
}

internal struct Rows6Narrow : IDirectTile
{
    public static int Rows => 6;

    public static bool FullWidth => false;
}
