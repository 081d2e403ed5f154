// Data-movement kernels: strided block copies (concat, slice, recurrent row views) and axis permutations through
// an index table.
using ILGPU;

namespace Dtrain.Models.Backends.Ilgpu;

internal static partial class IlgpuKernels
{
    /// <summary>Copy mode of <see cref="StridedRows"/>: target = source.</summary>
    public const int RowsCopy = 0;

    /// <summary>Copy mode: target += source.</summary>
    public const int RowsAdd = 1;

    /// <summary>Copy mode: target = value.</summary>
    public const int RowsFill = 2;

    /// <summary>For element (r, c) of a (rows x cols) block: dst[r * ds + do + c] gets src[r * ss + so + c] by <paramref name="mode"/>.</summary>
    public static void StridedRows(Index1D i, ArrayView<float> src, ArrayView<float> dst, int srcStride, int srcOffset, int dstStride, int dstOffset, int cols, int mode, float value)
    {
        int r = i / cols, c = i - (r * cols);
        var to = (r * dstStride) + dstOffset + c;
        if (mode == RowsFill)
        {
            dst[to] = value;
            return;
        }

        var v = src[(r * srcStride) + srcOffset + c];
        dst[to] = mode == RowsAdd ? dst[to] + v : v;
    }

    /// <summary>
    /// y (+)= x with axes permuted, one thread per y element of <paramref name="size"/>-float examples. The table
    /// holds y's shape (rank ints), then for each y axis the x stride it walks.
    /// </summary>
    public static void Permute(Index1D i, ArrayView<float> x, ArrayView<float> y, ArrayView<int> table, int rank, int size, int accumulate)
    {
        var e = i / size;
        var rest = i - (e * size);
        var source = 0;
        for (var a = rank - 1; a >= 0; a--)
        {
            var extent = table[a];
            var index = rest % extent;
            rest /= extent;
            source += index * table[rank + a];
        }

        var v = x[(e * size) + source];
        y[i] = accumulate != 0 ? y[i] + v : v;
    }
}
