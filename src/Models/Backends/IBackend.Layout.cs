// Kernels that move data without arithmetic: strided block copies (concat, slice), axis permutations
// (transpose) and the per-example matrix product of two batched operands.
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

    /// <summary>
    /// For each of <paramref name="batch"/> examples e: C_e = alpha * op(A_e) * op(B_e) + beta * C_e, with
    /// A_e the (m x k, or k x m when transposed) matrix starting at e * m * k in <paramref name="a"/>, B_e
    /// at e * k * n in <paramref name="b"/> and C_e at e * m * n in <paramref name="c"/>.
    /// </summary>
    void BatchedGemm(bool transA, bool transB, int batch, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c);
}
