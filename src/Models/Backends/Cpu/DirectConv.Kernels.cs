// The AVX-512 register tiles of the direct stride-1 convolution (see DirectConv.cs for the layout they read).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dtrain.Models.Backends.Cpu;

internal static unsafe partial class DirectConv
{
    /// <summary>
    /// out[r, 0..32) = bias[r] + sum_k w[k * 8 + r] * xp[offsets[k] + 0..32) for 8 rows r (filters):
    /// a GEMM tile whose B rows are shifted windows of the padded image instead of packed im2col rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardTile(float* w, int* offsets, int k, float* xp, float* bias, float* output, int ldo)
    {
        Vector512<float> c0l = Vector512.Create(bias[0]), c0h = c0l, c1l = Vector512.Create(bias[1]), c1h = c1l;
        Vector512<float> c2l = Vector512.Create(bias[2]), c2h = c2l, c3l = Vector512.Create(bias[3]), c3h = c3l;
        Vector512<float> c4l = Vector512.Create(bias[4]), c4h = c4l, c5l = Vector512.Create(bias[5]), c5h = c5l;
        Vector512<float> c6l = Vector512.Create(bias[6]), c6h = c6l, c7l = Vector512.Create(bias[7]), c7h = c7l;
        for (int p = 0; p < k; p++, w += 8)
        {
            float* src = xp + offsets[p];
            Vector512<float> b0 = Vector512.Load(src), b1 = Vector512.Load(src + 16), x;
            x = Vector512.Create(w[0]);
            c0l = Avx512F.FusedMultiplyAdd(x, b0, c0l);
            c0h = Avx512F.FusedMultiplyAdd(x, b1, c0h);
            x = Vector512.Create(w[1]);
            c1l = Avx512F.FusedMultiplyAdd(x, b0, c1l);
            c1h = Avx512F.FusedMultiplyAdd(x, b1, c1h);
            x = Vector512.Create(w[2]);
            c2l = Avx512F.FusedMultiplyAdd(x, b0, c2l);
            c2h = Avx512F.FusedMultiplyAdd(x, b1, c2h);
            x = Vector512.Create(w[3]);
            c3l = Avx512F.FusedMultiplyAdd(x, b0, c3l);
            c3h = Avx512F.FusedMultiplyAdd(x, b1, c3h);
            x = Vector512.Create(w[4]);
            c4l = Avx512F.FusedMultiplyAdd(x, b0, c4l);
            c4h = Avx512F.FusedMultiplyAdd(x, b1, c4h);
            x = Vector512.Create(w[5]);
            c5l = Avx512F.FusedMultiplyAdd(x, b0, c5l);
            c5h = Avx512F.FusedMultiplyAdd(x, b1, c5h);
            x = Vector512.Create(w[6]);
            c6l = Avx512F.FusedMultiplyAdd(x, b0, c6l);
            c6h = Avx512F.FusedMultiplyAdd(x, b1, c6h);
            x = Vector512.Create(w[7]);
            c7l = Avx512F.FusedMultiplyAdd(x, b0, c7l);
            c7h = Avx512F.FusedMultiplyAdd(x, b1, c7h);
        }

        c0l.Store(output);
        c0h.Store(output + 16);
        c1l.Store(output + ldo);
        c1h.Store(output + ldo + 16);
        c2l.Store(output + (2 * ldo));
        c2h.Store(output + (2 * ldo) + 16);
        c3l.Store(output + (3 * ldo));
        c3h.Store(output + (3 * ldo) + 16);
        c4l.Store(output + (4 * ldo));
        c4h.Store(output + (4 * ldo) + 16);
        c5l.Store(output + (5 * ldo));
        c5h.Store(output + (5 * ldo) + 16);
        c6l.Store(output + (6 * ldo));
        c6h.Store(output + (6 * ldo) + 16);
        c7l.Store(output + (7 * ldo));
        c7h.Store(output + (7 * ldo) + 16);
    }

    /// <summary>
    /// For 8 patch rows r: columns[r * ldc + 0..32) = sum_f w[f * ldw + r] * dy[f * ldd + 0..32), a tile of
    /// W^T dy, the input gradient in im2col form (<see cref="AddColumns"/> folds it into the image).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputTile(float* w, int ldw, int filters, float* dy, int ldd, float* columns, int ldc)
    {
        Vector512<float> c0l = default, c0h = default, c1l = default, c1h = default;
        Vector512<float> c2l = default, c2h = default, c3l = default, c3h = default;
        Vector512<float> c4l = default, c4h = default, c5l = default, c5h = default;
        Vector512<float> c6l = default, c6h = default, c7l = default, c7h = default;
        for (int f = 0; f < filters; f++, w += ldw, dy += ldd)
        {
            Vector512<float> b0 = Vector512.Load(dy), b1 = Vector512.Load(dy + 16), x;
            x = Vector512.Create(w[0]);
            c0l = Avx512F.FusedMultiplyAdd(x, b0, c0l);
            c0h = Avx512F.FusedMultiplyAdd(x, b1, c0h);
            x = Vector512.Create(w[1]);
            c1l = Avx512F.FusedMultiplyAdd(x, b0, c1l);
            c1h = Avx512F.FusedMultiplyAdd(x, b1, c1h);
            x = Vector512.Create(w[2]);
            c2l = Avx512F.FusedMultiplyAdd(x, b0, c2l);
            c2h = Avx512F.FusedMultiplyAdd(x, b1, c2h);
            x = Vector512.Create(w[3]);
            c3l = Avx512F.FusedMultiplyAdd(x, b0, c3l);
            c3h = Avx512F.FusedMultiplyAdd(x, b1, c3h);
            x = Vector512.Create(w[4]);
            c4l = Avx512F.FusedMultiplyAdd(x, b0, c4l);
            c4h = Avx512F.FusedMultiplyAdd(x, b1, c4h);
            x = Vector512.Create(w[5]);
            c5l = Avx512F.FusedMultiplyAdd(x, b0, c5l);
            c5h = Avx512F.FusedMultiplyAdd(x, b1, c5h);
            x = Vector512.Create(w[6]);
            c6l = Avx512F.FusedMultiplyAdd(x, b0, c6l);
            c6h = Avx512F.FusedMultiplyAdd(x, b1, c6h);
            x = Vector512.Create(w[7]);
            c7l = Avx512F.FusedMultiplyAdd(x, b0, c7l);
            c7h = Avx512F.FusedMultiplyAdd(x, b1, c7h);
        }

        c0l.Store(columns);
        c0h.Store(columns + 16);
        c1l.Store(columns + ldc);
        c1h.Store(columns + ldc + 16);
        c2l.Store(columns + (2 * ldc));
        c2h.Store(columns + (2 * ldc) + 16);
        c3l.Store(columns + (3 * ldc));
        c3h.Store(columns + (3 * ldc) + 16);
        c4l.Store(columns + (4 * ldc));
        c4h.Store(columns + (4 * ldc) + 16);
        c5l.Store(columns + (5 * ldc));
        c5h.Store(columns + (5 * ldc) + 16);
        c6l.Store(columns + (6 * ldc));
        c6h.Store(columns + (6 * ldc) + 16);
        c7l.Store(columns + (7 * ldc));
        c7h.Store(columns + (7 * ldc) + 16);
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
