// Embedding kernels: the row gather (recording the first id that is not in the vocabulary) and the scatter-add
// of the row gradients.
using ILGPU;
using ILGPU.Algorithms;

namespace Dtrain.Models.Backends.Ilgpu;

internal static partial class IlgpuKernels
{
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
