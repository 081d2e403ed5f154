// Sgemm's contract beyond the arithmetic: argument checks, degenerate sizes, the pointer overload,
// and concurrent callers sharing the helper threads.
using Dtrain.Models.Backends.Cpu;

namespace Dtrain.Models.Tests;

public class GemmContractTests
{
    [Theory]
    [InlineData(-1, 2, 2, "m")]
    [InlineData(2, -1, 2, "n")]
    [InlineData(2, 2, -1, "k")]
    public void Sgemm_rejects_negative_sizes_naming_the_argument(int m, int n, int k, string name)
    {
        var buffer = new float[16];
        var e = Assert.Throws<ArgumentException>(() =>
            Gemm.Sgemm(false, false, m, n, k, 1f, buffer, 4, buffer, 4, 0f, buffer, 4));
        Assert.Equal(name, e.ParamName);
    }

    [Theory]
    [InlineData(false, false, 2, 3, 3, "lda")] // A is 3 x 2 here: lda 2 < k 3
    [InlineData(true, false, 3, 3, 3, "lda")]  // transA: A is k x m = 3 x 4, lda 3 < m 4
    [InlineData(false, false, 3, 2, 3, "ldb")] // B is 3 x 3, ldb 2 < n 3
    [InlineData(false, true, 3, 2, 3, "ldb")]  // transB: B is n x k = 3 x 3, ldb 2 < k 3
    [InlineData(false, false, 3, 3, 2, "ldc")]
    public void Sgemm_rejects_strides_narrower_than_a_row(bool transA, bool transB, int lda, int ldb, int ldc, string name)
    {
        var buffer = new float[64];
        int m = transA ? 4 : 3;
        var e = Assert.Throws<ArgumentException>(() =>
            Gemm.Sgemm(transA, transB, m, 3, 3, 1f, buffer, lda, buffer, ldb, 0f, buffer, ldc));
        Assert.Equal(name, e.ParamName);
    }

    [Theory]
    [InlineData(11, 12, 9, "a")]
    [InlineData(12, 11, 9, "b")]
    [InlineData(12, 12, 8, "c")]
    public void Sgemm_rejects_spans_too_short_for_their_matrix(int aLength, int bLength, int cLength, string name)
    {
        // 3 x 4 times 4 x 3, unpadded: A needs 12 elements, B 12 and C 9; each case is one short.
        var e = Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 3, 3, 4, 1f,
            new float[aLength], 4, new float[bLength], 3, 0f, new float[cLength], 3));
        Assert.Equal(name, e.ParamName);
        Assert.Contains("needs", e.Message);
    }

    [Fact]
    public void Sgemm_accepts_a_last_row_without_stride_padding()
    {
        // The last row of a strided matrix needs only its own width, as in BLAS.
        var a = new float[] { 1, 2, 0, 3, 4 };   // 2 x 2 with lda 3
        var c = new float[] { 0, 0, 9, 0, 0 };   // 2 x 2 with ldc 3
        Gemm.Sgemm(false, false, 2, 2, 2, 1f, a, 3, new float[] { 1, 0, 0, 1 }, 2, 0f, c, 3);
        Assert.Equal(new float[] { 1, 2, 9, 3, 4 }, c);
    }

    [Fact]
    public void Sgemm_with_empty_C_touches_nothing()
    {
        var c = new float[] { float.NaN };
        Gemm.Sgemm(false, false, 0, 5, 3, 1f, [], 3, new float[15], 5, 0f, c, 5);
        Gemm.Sgemm(false, false, 5, 0, 3, 1f, new float[15], 3, [], 1, 0f, c, 1);
        Assert.True(float.IsNaN(c[0]));
    }

    [Theory]
    [InlineData(0f, float.NaN, 0f)]  // beta 0 clears even NaN
    [InlineData(0f, 2f, 0f)]
    [InlineData(0.5f, 2f, 1f)]
    [InlineData(1f, 2f, 2f)]
    public void Sgemm_with_alpha_zero_only_scales_C(float beta, float before, float after)
    {
        var c = new float[6];
        Array.Fill(c, before);
        var nan = new float[6];
        Array.Fill(nan, float.NaN);
        // alpha == 0 means op(A) * op(B) is not evaluated at all, as in BLAS, so NaN operands vanish.
        Gemm.Sgemm(false, false, 2, 3, 2, 0f, nan, 2, nan, 3, beta, c, 3);
        Assert.All(c, x => Assert.Equal(after, x));
    }

    [Fact]
    public void Sgemm_with_k_zero_only_scales_C()
    {
        var c = new float[] { 4, 8 };
        Gemm.Sgemm(false, false, 1, 2, 0, 1f, [], 1, [], 2, 0.25f, c, 2);
        Assert.Equal(new float[] { 1, 2 }, c);
    }

    [Fact]
    public unsafe void Pointer_overload_matches_span_overload()
    {
        var a = TestMatrix.Random(37, 53, 1);
        var b = TestMatrix.Random(29, 53, 2);
        var viaSpan = new float[37 * 29];
        var viaPointer = new float[37 * 29];
        Gemm.Sgemm(false, true, 37, 29, 53, 1f, a.Data, 53, b.Data, 53, 0f, viaSpan, 29);
        fixed (float* pa = a.Data, pb = b.Data, pc = viaPointer)
            Gemm.Sgemm(false, true, 37, 29, 53, 1f, pa, 53, pb, 53, 0f, pc, 29);
        Assert.Equal(viaSpan, viaPointer);
    }

    [Fact]
    public unsafe void Pointer_overload_rejects_null_buffers_it_needs()
    {
        var buffer = new float[4];
        ArgumentException? error = null;
        fixed (float* p = buffer)
        {
            try
            {
                Gemm.Sgemm(false, false, 2, 2, 2, 1f, null, 2, p, 2, 0f, p, 2);
            }
            catch (ArgumentException e)
            {
                error = e;
            }
        }
        Assert.Equal("a", error?.ParamName);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Sgemm_allocates_nothing_once_warm(int threads)
    {
        // Packing buffers are per thread and kept; the team dispatch uses statics, not closures.
        const int m = 130, k = 140, n = 150;
        var a = new float[m * k];
        var b = new float[k * n];
        var c = new float[m * n];
        for (int i = 0; i < 3; i++)
            Gemm.Sgemm(false, true, m, n, k, 1f, a, k, b, k, 0f, c, n, threads);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
            Gemm.Sgemm(false, true, m, n, k, 1f, a, k, b, k, 0f, c, n, threads);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task Concurrent_callers_all_get_correct_results()
    {
        // Only one call owns the helper team at a time; the others must fall back, not wait or collide.
        const int m = 96, k = 200, n = 160;
        var a = TestMatrix.Random(m, k, 1);
        var b = TestMatrix.Random(k, n, 2);
        var expected = GemmReference.Compute(false, false, m, n, k, 1f, a, b, 0f, TestMatrix.Random(m, n, 3));
        var callers = Enumerable.Range(0, 6).Select(_ => Task.Run(() =>
        {
            for (int round = 0; round < 20; round++)
            {
                var c = TestMatrix.Random(m, n, 3);
                Gemm.Sgemm(false, false, m, n, k, 1f, a.Data, k, b.Data, n, 0f, c.Data, n);
                GemmReference.AssertMatches(expected, c, $"round {round}");
            }
        }));
        await Task.WhenAll(callers);
    }
}
