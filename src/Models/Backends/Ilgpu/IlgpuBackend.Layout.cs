// Data movement on the device: strided block copies, permutations through an index table uploaded once per
// shape, and the embedding gather (whose validity result is the one value it brings back) and scatter-add.
using Dtrain.Models.Tensors;
using ILGPU;
using ILGPU.Runtime;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <summary>Permutation index tables by shape and order, uploaded at their first use.</summary>
    private readonly Dictionary<string, MemoryBuffer1D<int, Stride1D.Dense>> _permuteTables = [];

    /// <inheritdoc/>
    public void CopyStrided(Tensor src, int srcStride, int srcOffset, Tensor dst, int dstStride, int dstOffset, int rows, int cols, bool accumulate)
    {
        if (rows == 0 || cols == 0)
        {
            return;
        }

        if (srcOffset < 0 || dstOffset < 0 || srcOffset + cols > srcStride || dstOffset + cols > dstStride
            || ((rows - 1) * srcStride) + srcOffset + cols > src.Length || ((rows - 1) * dstStride) + dstOffset + cols > dst.Length)
        {
            throw new ArgumentException($"{nameof(CopyStrided)}: {rows} rows of {cols} floats do not fit a source of {src.Length} (stride {srcStride}, offset {srcOffset}) and a target of {dst.Length} (stride {dstStride}, offset {dstOffset})");
        }

        var mode = accumulate ? IlgpuKernels.RowsAdd : IlgpuKernels.RowsCopy;
        Run(rows * cols, IlgpuKernels.StridedRows, V(src), V(dst), srcStride, srcOffset, dstStride, dstOffset, cols, mode, 0f);
    }

    /// <inheritdoc/>
    public void Permute(Tensor x, Tensor y, int batch, int[] dims, int[] perm, bool accumulate)
    {
        var rank = dims.Length;
        var key = $"{string.Join(',', dims)}/{string.Join(',', perm)}";
        if (!_permuteTables.TryGetValue(key, out var table))
        {
            table = _accelerator.Allocate1D(PermuteTable(dims, perm));
            _permuteTables[key] = table;
        }

        var size = dims.Aggregate(1, (a, d) => a * d);
        CheckLength(x.Length, batch * size, nameof(Permute));
        CheckLength(y.Length, batch * size, nameof(Permute));
        Run(batch * size, IlgpuKernels.Permute, V(x), V(y), table.View.BaseView, Math.Max(rank, 1), Math.Max(size, 1), Flag(accumulate));
    }

    /// <inheritdoc/>
    public int EmbeddingLookup(Tensor ids, Tensor table, Tensor y, int count, int vocab, int dim, Func<int, float, string>? describe = null)
    {
        // ids: (count)  table: (vocab, dim)  y: (count, dim)
        if (describe is not null)
        {
            // Deferred: the check rides in the fault slots and is thrown, described by the caller, at the next host read.
            _embeddingDescribe ??= describe;
            Run(count * dim, IlgpuKernels.EmbeddingGather, V(ids), V(table), V(y), Faults().SubView(EmbeddingFault, 1), vocab, dim);
            return -1;
        }

        var bad = _embeddingBad.View.BaseView;
        Run(1, IlgpuKernels.FillLong, bad, NoFault);
        Run(count * dim, IlgpuKernels.EmbeddingGather, V(ids), V(table), V(y), bad, vocab, dim);
        var found = new long[1];
        _embeddingBad.View.CopyToCPU(_accelerator.DefaultStream, found);
        Synchronize();
        return found[0] == NoFault ? -1 : (int)(found[0] >> 32);
    }

    /// <inheritdoc/>
    public void EmbeddingBackward(Tensor ids, Tensor dy, Tensor dtable, int count, int vocab, int dim, bool accumulate)
    {
        // ids: (count)  dy: (count, dim)  dtable: (vocab, dim); a repeated id sums its rows' gradients.
        if (!accumulate)
        {
            Run(vocab * dim, IlgpuKernels.Fill, V(dtable).SubView(0, vocab * dim), 0f);
        }

        Run(count * dim, IlgpuKernels.EmbeddingScatter, V(ids), V(dy), V(dtable), vocab, dim);
    }

    /// <summary>y's shape, then the x stride each y axis walks; a permutation of nothing is one axis of 1.</summary>
    private static int[] PermuteTable(int[] dims, int[] perm)
    {
        var rank = dims.Length;
        var seen = new bool[rank];
        if (perm.Length != rank || perm.Any(a => (uint)a >= (uint)rank || !(seen[a] = !seen[a])))
        {
            throw new ArgumentException($"{nameof(Permute)}: ({string.Join(", ", perm)}) is not a permutation of {rank} axes");
        }

        if (rank == 0)
        {
            return [1, 0];
        }

        var xStride = new int[rank];
        for (int a = rank - 1, size = 1; a >= 0; a--)
        {
            xStride[a] = size;
            size *= dims[a];
        }

        return [.. perm.Select(a => dims[a]), .. perm.Select(a => xStride[a])];
    }
}
