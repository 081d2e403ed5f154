// One GEMM call's arguments and its GotoBLAS loop nest: how C is split between threads, how each
// thread's share is blocked for the caches, packed, and handed tile by tile to the micro-kernel.
using System.Runtime.CompilerServices;

namespace Dtrain.Models.Backends.Cpu;

/// <summary>
/// A checked SGEMM call (see <see cref="Gemm.Sgemm(bool, bool, int, int, int, float, float*, int, float*, int, float, float*, int, int)"/>)
/// cut into <see cref="Parts"/> independent column or row ranges of C, one per thread.
/// </summary>
internal unsafe struct GemmJob
{
    private readonly KernelShape _shape;
    private readonly bool _transA, _transB;
    private readonly int _m, _n, _k, _lda, _ldb, _ldc;
    private readonly float _alpha, _beta;
    private readonly float* _a, _b, _c;
    private bool _splitColumns;

    public GemmJob(KernelShape shape, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        _shape = shape;
        (_transA, _transB, _m, _n, _k, _alpha, _beta) = (transA, transB, m, n, k, alpha, beta);
        (_lda, _ldb, _ldc) = (lda, ldb, ldc);
        _a = a;
        _b = b;
        _c = c;
        Parts = 1;
    }

    /// <summary>How many threads share the call; part 0 runs on the caller.</summary>
    public int Parts { get; private set; }

    /// <summary>
    /// Splits C for up to <paramref name="threads"/> threads along one dimension, in whole tiles. Each
    /// part packs its own copy of the operand that spans the other dimension, so split the columns
    /// (re-packing A, m x k) when C is wider than tall and the rows (re-packing B, k x n) otherwise.
    /// </summary>
    public void Split(int threads)
    {
        int tilesM = CeilDiv(_m, _shape.Mr), tilesN = CeilDiv(_n, _shape.Nr);
        _splitColumns = tilesN >= threads && (_n >= _m || tilesM < threads);
        Parts = Math.Min(threads, _splitColumns ? tilesN : tilesM);
    }

    /// <summary>Makes the whole call one part, for the calling thread alone.</summary>
    public void Unsplit() => Parts = 1;

    /// <summary>Computes part <paramref name="part"/> of C with the calling thread's packing buffers.</summary>
    public readonly void RunPart(int part)
    {
        int m0 = 0, m1 = _m, n0 = 0, n1 = _n;
        if (_splitColumns)
            (n0, n1) = Range(part, _n, _shape.Nr);
        else
            (m0, m1) = Range(part, _m, _shape.Mr);
        if (m0 < m1 && n0 < n1)
            RunBlock(m0, m1, n0, n1);
    }

    /// <summary>Part <paramref name="part"/>'s share of <paramref name="size"/>, cut at multiples of <paramref name="unit"/>.</summary>
    private readonly (int Start, int End) Range(int part, int size, int unit)
    {
        long tiles = CeilDiv(size, unit);
        int start = (int)(tiles * part / Parts) * unit;
        int end = (int)(tiles * (part + 1) / Parts) * unit;
        return (Math.Min(start, size), Math.Min(end, size));
    }

    /// <summary>
    /// The five GotoBLAS loops over C[m0..m1, n0..n1]: Nc-wide column panels of C; Kc-deep slices of k
    /// (pack a Kc x Nc panel of B); Mc-tall row blocks (pack an Mc x Kc block of A); then Nr-wide and
    /// Mr-tall tiles, each one micro-kernel call. Block sizes are evened out (784 = 4 x 196, not
    /// 3 x 256 + 16) so no sliver is a sliver-thin remainder.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private readonly void RunBlock(int m0, int m1, int n0, int n1)
    {
        KernelShape s = _shape;
        int kcBlock = Math.Min(s.Kc, RoundUp(CeilDiv(_k, CeilDiv(_k, s.Kc)), 8));
        int mcBlock = RoundUp(CeilDiv(m1 - m0, CeilDiv(m1 - m0, s.Mc)), s.Mr);
        int ncBlock = RoundUp(CeilDiv(n1 - n0, CeilDiv(n1 - n0, s.Nc)), s.Nr);
        PackingBuffers buffers = PackingBuffers.Mine;
        buffers.Reserve((long)mcBlock * kcBlock, (long)kcBlock * ncBlock);
        float* edgeTile = stackalloc float[Gemm.MaxTile];

        for (int jc = n0; jc < n1; jc += ncBlock)
        {
            int nc = Math.Min(ncBlock, n1 - jc);
            for (int pc = 0; pc < _k; pc += kcBlock)
            {
                int kc = Math.Min(kcBlock, _k - pc);
                PackB(pc, kc, jc, nc, buffers.B);
                // Later k slices accumulate onto what the first one wrote.
                float beta = pc == 0 ? _beta : 1f;
                for (int ic = m0; ic < m1; ic += mcBlock)
                {
                    int mc = Math.Min(mcBlock, m1 - ic);
                    PackA(ic, mc, pc, kc, buffers.A);
                    RunTiles(kc, mc, nc, buffers.A, buffers.B, _c + (long)ic * _ldc + jc, beta, edgeTile);
                }
            }
        }
    }

    /// <summary>Runs the micro-kernel over an mc x nc block of C from packed A and B.</summary>
    private readonly void RunTiles(int kc, int mc, int nc, float* packedA, float* packedB, float* c, float beta, float* edgeTile)
    {
        KernelShape s = _shape;
        for (int jr = 0; jr < nc; jr += s.Nr)
        {
            int nr = Math.Min(s.Nr, nc - jr);
            float* b = packedB + (long)jr * kc;
            for (int ir = 0; ir < mc; ir += s.Mr)
            {
                int mr = Math.Min(s.Mr, mc - ir);
                float* a = packedA + (long)ir * kc;
                float* cTile = c + (long)ir * _ldc + jr;
                var kernel = s.Pick(mr, nr, out int rows, out int cols);
                if (mr == rows && nr == cols)
                {
                    kernel(kc, a, b, cTile, _ldc, _alpha, beta);
                    continue;
                }
                // Edge tile: compute the kernel's part aside, then merge only what lies inside C.
                kernel(kc, a, b, edgeTile, s.Nr, _alpha, 0f);
                MergeEdge(edgeTile, s.Nr, cTile, _ldc, mr, nr, beta);
            }
        }
    }

    /// <summary>C[0..mr, 0..nr] = tile + beta * C, or = tile when beta is 0 (old C ignored, NaN included).</summary>
    private static void MergeEdge(float* tile, int tileStride, float* c, long ldc, int mr, int nr, float beta)
    {
        for (int i = 0; i < mr; i++, tile += tileStride, c += ldc)
        {
            var from = new ReadOnlySpan<float>(tile, nr);
            var to = new Span<float>(c, nr);
            if (beta == 0f)
            {
                from.CopyTo(to);
                continue;
            }
            for (int j = 0; j < nr; j++)
                to[j] = from[j] + beta * to[j];
        }
    }

    /// <summary>Packs rows ic..ic+mc of op(A), steps pc..pc+kc, into Mr-tall slivers.</summary>
    private readonly void PackA(int ic, int mc, int pc, int kc, float* dst)
    {
        if (_transA)
            Gemm.PackSideBySide(_a + (long)pc * _lda + ic, _lda, mc, kc, dst, _shape.Mr, _shape.X86Packing);
        else
            Gemm.PackTransposed(_a + (long)ic * _lda + pc, _lda, mc, kc, dst, _shape.Mr, _shape.X86Packing);
    }

    /// <summary>Packs columns jc..jc+nc of op(B), steps pc..pc+kc, into Nr-wide slivers.</summary>
    private readonly void PackB(int pc, int kc, int jc, int nc, float* dst)
    {
        if (_transB)
            Gemm.PackTransposed(_b + (long)jc * _ldb + pc, _ldb, nc, kc, dst, _shape.Nr, _shape.X86Packing);
        else
            Gemm.PackSideBySide(_b + (long)pc * _ldb + jc, _ldb, nc, kc, dst, _shape.Nr, _shape.X86Packing);
    }

    private static int CeilDiv(int x, int y) => (x + y - 1) / y;

    private static int RoundUp(int x, int multiple) => CeilDiv(x, multiple) * multiple;
}
