// Kernels that move data without arithmetic: strided block copies (concat, slice), axis permutations
// (transpose) and the plain copy behind reshapes.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

public partial interface IBackend
{
    /// <summary>
    /// For each of <paramref name="rows"/> rows r and column c &lt; <paramref name="cols"/>:
    /// dst[r * dstStride + dstOffset + c] = (accumulate ? that : 0) + src[r * srcStride + srcOffset + c].
    /// Concat writes each input into a column band of its output; slice reads one band of its input.
    /// </summary>
    void CopyStrided(Tensor src, int srcStride, int srcOffset, Tensor dst, int dstStride, int dstOffset, int rows, int cols, bool accumulate);

    /// <summary>
    /// y = (accumulate ? y : 0) + x with its axes permuted, for each of <paramref name="batch"/> examples:
    /// x has per-example shape <paramref name="dims"/> and y has shape dims[perm[0]], dims[perm[1]], ...,
    /// so y[i_0, ..., i_n] = x at index j with j[perm[k]] = i_k.
    /// </summary>
    void Permute(Tensor x, Tensor y, int batch, int[] dims, int[] perm, bool accumulate);

    /// <summary>target = source (same length): flatten and reshape, whose memory layout does not change.</summary>
    void Copy(Tensor source, Tensor target);
}
