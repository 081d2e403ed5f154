// The tiled shared-memory SGEMM: a T x T thread group computes a 4T x 4T block of C, each thread a 4 x 4
// register tile whose rows and columns sit T apart, so neighbouring threads read neighbouring shared floats.
using ILGPU;
using ILGPU.Algorithms;

namespace Dtrain.Models.Backends.Ilgpu;

/// <summary>
/// One (batched) product C_e = alpha op(A_e) op(B_e) + beta C_e (+ bias). Matrices are row-major with the given
/// leading dimensions; example e starts BatchStride floats after example e - 1 (0 shares one matrix, as a conv's
/// weights). BiasMode 1 adds bias[row] (a conv's per-filter bias), 2 adds bias[col]. Beta 0 overwrites C,
/// ignoring what was there (even NaN), as the CPU GEMM does.
/// </summary>
internal readonly record struct GemmArgs(
    int M, int N, int K, int TransA, int TransB, float Alpha, float Beta, int Lda, int Ldb, int Ldc,
    int BatchStrideA, int BatchStrideB, int BatchStrideC, int BiasMode)
{
    /// <summary>
    /// 0: K is one run of the leading dimension. Otherwise K runs over segments of this many indices, k = s Segment + r,
    /// and index k of op(A) is index r of a matrix that starts s SegmentStrideA floats into A (likewise B): a sum of
    /// products over several examples in one launch, as a convolution's weight gradient over (example, position) pairs.
    /// </summary>
    public int Segment { get; init; }

    /// <summary>Floats from one segment of A to the next.</summary>
    public int SegmentStrideA { get; init; }

    /// <summary>Floats from one segment of B to the next.</summary>
    public int SegmentStrideB { get; init; }

    /// <summary>
    /// Applied to each stored value after the bias, with Beta 0: 0 none, 1 ReLU, 2 sigmoid, 3 tanh (a dense or
    /// convolution layer's activation fused into its product).
    /// </summary>
    public int Activation { get; init; }
}

internal static partial class IlgpuKernels
{
    /// <summary>Rows and columns of C each thread computes.</summary>
    public const int GemmMicro = 4;

    /// <summary>
    /// Grid (blocks across N, blocks down M, batch), group (T, T), dynamic shared memory 2 T (4 T) floats: the
    /// k-slices of A and B a block needs, loaded so consecutive threads read consecutive global addresses.
    /// </summary>
    public static void Gemm(GemmArgs p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias)
    {
        var tiles = SharedMemory.GetDynamic<float>();
        int t = Group.DimX, tx = Group.IdxX, ty = Group.IdxY;
        int block = t * GemmMicro, threads = t * t, id = (ty * t) + tx;
        int row0 = Grid.IdxY * block, col0 = Grid.IdxX * block, e = Grid.IdxZ;
        int aBase = e * p.BatchStrideA, bBase = e * p.BatchStrideB, bTile = t * block;
        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f, c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f, c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
        for (var k0 = 0; k0 < p.K; k0 += t)
        {
            for (var l = 0; l < GemmMicro; l++)
            {
                var q = (l * threads) + id;

                // A tile: shared[kk * block + mm] = op(A)(row0 + mm, k0 + kk).
                int kk = p.TransA != 0 ? q / block : q % t;
                int mm = p.TransA != 0 ? q % block : q / t;
                int gi = row0 + mm, gk = k0 + kk;
                var va = 0f;
                if (gi < p.M && gk < p.K)
                {
                    // Unsegmented, s = 0 and r = gk; the test is uniform over the launch, so it costs no divergence.
                    var s = p.Segment != 0 ? gk / p.Segment : 0;
                    int r = gk - (s * p.Segment), at = aBase + (s * p.SegmentStrideA);
                    va = p.TransA != 0 ? a[at + (r * p.Lda) + gi] : a[at + (gi * p.Lda) + r];
                }

                tiles[(kk * block) + mm] = va;

                // B tile: shared[bTile + kk * block + nn] = op(B)(k0 + kk, col0 + nn).
                kk = p.TransB != 0 ? q % t : q / block;
                var nn = p.TransB != 0 ? q / t : q % block;
                var gj = col0 + nn;
                gk = k0 + kk;
                var vb = 0f;
                if (gj < p.N && gk < p.K)
                {
                    var s = p.Segment != 0 ? gk / p.Segment : 0;
                    int r = gk - (s * p.Segment), at = bBase + (s * p.SegmentStrideB);
                    vb = p.TransB != 0 ? b[at + (gj * p.Ldb) + r] : b[at + (r * p.Ldb) + gj];
                }

                tiles[bTile + (kk * block) + nn] = vb;
            }

            Group.Barrier();
            for (var kk = 0; kk < t; kk++)
            {
                int ao = (kk * block) + ty, bo = bTile + (kk * block) + tx;
                float a0 = tiles[ao], a1 = tiles[ao + t], a2 = tiles[ao + (2 * t)], a3 = tiles[ao + (3 * t)];
                float b0 = tiles[bo], b1 = tiles[bo + t], b2 = tiles[bo + (2 * t)], b3 = tiles[bo + (3 * t)];
                c00 += a0 * b0;
                c01 += a0 * b1;
                c02 += a0 * b2;
                c03 += a0 * b3;
                c10 += a1 * b0;
                c11 += a1 * b1;
                c12 += a1 * b2;
                c13 += a1 * b3;
                c20 += a2 * b0;
                c21 += a2 * b1;
                c22 += a2 * b2;
                c23 += a2 * b3;
                c30 += a3 * b0;
                c31 += a3 * b1;
                c32 += a3 * b2;
                c33 += a3 * b3;
            }

            Group.Barrier();
        }

        var cBase = e * p.BatchStrideC;
        int row = row0 + ty, col = col0 + tx;
        StoreGemmRow(p, c, bias, cBase, row, col, t, c00, c01, c02, c03);
        StoreGemmRow(p, c, bias, cBase, row + t, col, t, c10, c11, c12, c13);
        StoreGemmRow(p, c, bias, cBase, row + (2 * t), col, t, c20, c21, c22, c23);
        StoreGemmRow(p, c, bias, cBase, row + (3 * t), col, t, c30, c31, c32, c33);
    }

    private static void StoreGemmRow(GemmArgs p, ArrayView<float> c, ArrayView<float> bias, int cBase, int row, int col, int t, float v0, float v1, float v2, float v3)
    {
        if (row >= p.M)
        {
            return;
        }

        StoreGemm(p, c, bias, cBase, row, col, v0);
        StoreGemm(p, c, bias, cBase, row, col + t, v1);
        StoreGemm(p, c, bias, cBase, row, col + (2 * t), v2);
        StoreGemm(p, c, bias, cBase, row, col + (3 * t), v3);
    }

    private static void StoreGemm(GemmArgs p, ArrayView<float> c, ArrayView<float> bias, int cBase, int row, int col, float sum)
    {
        if (col >= p.N)
        {
            return;
        }

        var v = p.Alpha * sum;
        if (p.BiasMode == 1)
        {
            v += bias[row];
        }
        else if (p.BiasMode == 2)
        {
            v += bias[col];
        }

        if (p.Activation != 0)
        {
            v = p.Activation == 1 ? (v > 0f ? v : 0f) : p.Activation == 2 ? 1f / (1f + XMath.Exp(-v)) : XMath.Tanh(v);
        }

        var at = cBase + (row * p.Ldc) + col;
        c[at] = p.Beta == 0f ? v : v + (p.Beta * c[at]);
    }

    /// <summary>x[r, c] += bias[c] over a (rows x cols) matrix.</summary>
    public static void AddBias(Index1D i, ArrayView<float> x, ArrayView<float> bias, int cols) => x[i] += bias[i % cols];
}
