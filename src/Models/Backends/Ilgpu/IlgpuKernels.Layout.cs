// Data-movement kernels: strided block copies (concat, slice, recurrent row views), axis permutations through
// an index table, and the embedding gather and scatter-add.
using ILGPU;
using ILGPU.Algorithms;

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

    /// <summary>y[row, d] = table[ids[row], d]; an id that is not an integer in [0, vocab) records (row, its bits) in bad[0] (the smallest wins).</summary>
    public static void EmbeddingGather(Index1D i, ArrayView<float> ids, ArrayView<float> table, ArrayView<float> y, ArrayView<long> bad, int vocab, int dim)
    {
        int row = i / dim, d = i - (row * dim);
        var id = ids[row];
        if (!ValidId(id, vocab))
        {
            if (d == 0)
            {
                // The smallest (position, bits) wins, so the first bad id is reported whatever order threads ran in.
                Atomic.Min(ref bad[0], ((long)row << 32) | (uint)Interop.FloatAsInt(id));
            }

            return;
        }

        y[i] = table[((int)id * dim) + d];
    }

    /// <summary>dtable[ids[row], d] += dy[row, d], by atomic adds since ids repeat; rows with a bad id add nothing.</summary>
    public static void EmbeddingScatter(Index1D i, ArrayView<float> ids, ArrayView<float> dy, ArrayView<float> dtable, int vocab, int dim)
    {
        int row = i / dim, d = i - (row * dim);
        var id = ids[row];

        // A bad id is reported by the forward check (perhaps later, at the next host read): never write past the table.
        if (ValidId(id, vocab))
        {
            Atomic.Add(ref dtable[((int)id * dim) + d], dy[i]);
        }
    }

    private static bool ValidId(float id, int vocab) => id >= 0f && id < vocab && id == XMath.Floor(id);
}
