// Data-movement kernels of the CPU backend: strided block copies, axis permutations, and the plain copy behind
// reshapes.
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <summary>Side of the square tiles a 2-D transpose walks, so both matrices stay in L1 while a tile moves.</summary>
    private const int TransposeTile = 32;

    /// <summary>Most axes a permutation may have (its index arrays live on the stack).</summary>
    private const int MaxPermuteRank = 16;

    /// <inheritdoc/>
    public void CopyStrided(Tensor src, int srcStride, int srcOffset, Tensor dst, int dstStride, int dstOffset, int rows, int cols, bool accumulate)
    {
        if (rows == 0 || cols == 0)
        {
            return;
        }

        CheckStridedCopy(src, srcStride, srcOffset, dst, dstStride, dstOffset, rows, cols, nameof(CopyStrided));

        var s = Span(src);
        var d = Span(dst);
        for (var r = 0; r < rows; r++)
        {
            var from = s.Slice((r * srcStride) + srcOffset, cols);
            var to = d.Slice((r * dstStride) + dstOffset, cols);
            if (accumulate)
            {
                Simd.AddInPlace(to, from);
            }
            else
            {
                from.CopyTo(to);
            }
        }
    }

    /// <inheritdoc/>
    public void Permute(Tensor x, Tensor y, int batch, int[] dims, int[] perm, bool accumulate)
    {
        var rank = dims.Length;
        if (rank > MaxPermuteRank || perm.Length != rank)
        {
            throw new ArgumentException($"{nameof(Permute)}: ({string.Join(", ", perm)}) over {rank} axes (at most {MaxPermuteRank})");
        }

        // Strides of x, and for each axis of y the x stride it walks; small stack arrays so a step allocates nothing.
        Span<int> xStride = stackalloc int[rank];
        Span<int> shape = stackalloc int[rank];
        Span<int> walk = stackalloc int[rank];
        Span<int> index = stackalloc int[rank];
        Span<bool> seen = stackalloc bool[rank];
        var size = 1;
        for (var a = rank - 1; a >= 0; a--)
        {
            xStride[a] = size;
            size *= dims[a];
        }

        for (var k = 0; k < rank; k++)
        {
            if ((uint)perm[k] >= (uint)rank || seen[perm[k]])
            {
                throw new ArgumentException($"{nameof(Permute)}: ({string.Join(", ", perm)}) is not a permutation of {rank} axes");
            }

            seen[perm[k]] = true;
            shape[k] = dims[perm[k]];
            walk[k] = xStride[perm[k]];
        }

        CheckLength(x.Length, batch * size, nameof(Permute));
        CheckLength(y.Length, batch * size, nameof(Permute));
        var xs = Span(x);
        var ys = Span(y);
        if (rank == 2 && perm[0] == 1)
        {
            for (var e = 0; e < batch; e++)
            {
                Transpose(xs.Slice(e * size, size), ys.Slice(e * size, size), dims[0], dims[1], accumulate);
            }

            return;
        }

        var inner = rank == 0 ? 1 : shape[rank - 1];
        var innerWalk = rank == 0 ? 0 : walk[rank - 1];
        for (var e = 0; e < batch; e++)
        {
            var xe = xs.Slice(e * size, size);
            var ye = ys.Slice(e * size, size);
            index.Clear();
            var source = 0;
            for (var at = 0; at < size; at += inner)
            {
                // The innermost y axis is one run; the odometer below advances the outer axes.
                for (var i = 0; i < inner; i++)
                {
                    var v = xe[source + (i * innerWalk)];
                    ye[at + i] = accumulate ? ye[at + i] + v : v;
                }

                for (var a = rank - 2; a >= 0; a--)
                {
                    source += walk[a];
                    if (++index[a] < shape[a])
                    {
                        break;
                    }

                    source -= walk[a] * shape[a];
                    index[a] = 0;
                }
            }
        }
    }

    /// <summary>y (cols x rows) = (accumulate ? y : 0) + x^T for x (rows x cols), tile by tile.</summary>
    private static void Transpose(ReadOnlySpan<float> x, Span<float> y, int rows, int cols, bool accumulate)
    {
        for (var r0 = 0; r0 < rows; r0 += TransposeTile)
        {
            var r1 = Math.Min(rows, r0 + TransposeTile);
            for (var c0 = 0; c0 < cols; c0 += TransposeTile)
            {
                var c1 = Math.Min(cols, c0 + TransposeTile);
                for (var r = r0; r < r1; r++)
                {
                    for (var c = c0; c < c1; c++)
                    {
                        var v = x[(r * cols) + c];
                        ref var t = ref y[(c * rows) + r];
                        t = accumulate ? t + v : v;
                    }
                }
            }
        }
    }

    /// <inheritdoc/>
    public void Copy(Tensor source, Tensor target)
    {
        CheckLength(source.Length, target.Length, nameof(Copy));
        Span(source).CopyTo(Span(target));
    }
}
