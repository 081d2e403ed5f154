// Data movement on the device: strided block copies, permutations through an index table uploaded once per
// shape, and the plain copy behind reshapes.
using static Dtrain.Models.Backends.KernelArguments;
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

        CheckStridedCopy(src, srcStride, srcOffset, dst, dstStride, dstOffset, rows, cols, nameof(CopyStrided));

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

    /// <inheritdoc/>
    public void Copy(Tensor source, Tensor target)
    {
        CheckLength(source.Length, target.Length, nameof(Copy));
        Run(source.Length, IlgpuKernels.Axpy, V(source), V(target), 1f, 0);
    }
}
