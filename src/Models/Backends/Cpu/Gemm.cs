// Temporary reference SGEMM; replaced by the packed SIMD kernel from the gemm branch.
namespace Dtrain.Models.Backends.Cpu;

/// <summary>Row-major single-precision GEMM.</summary>
public static partial class Gemm
{
    /// <summary>C = alpha * op(A) * op(B) + beta * C.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int maxThreads = 0)
    {
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                float sum = 0;
                for (var p = 0; p < k; p++)
                {
                    sum += (transA ? a[(p * lda) + i] : a[(i * lda) + p]) * (transB ? b[(j * ldb) + p] : b[(p * ldb) + j]);
                }

                c[(i * ldc) + j] = (alpha * sum) + (beta == 0 ? 0 : beta * c[(i * ldc) + j]);
            }
        }
    }
}
