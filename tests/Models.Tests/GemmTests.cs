// Sgemm against a double-precision reference on every kernel path this CPU has: all four transpose
// cases, sizes that straddle tiles and cache blocks, alpha/beta, strides and thread counts.
using Dtrain.Models.Backends.Cpu;
using Xunit.Abstractions;

namespace Dtrain.Models.Tests;

public class GemmTests(ITestOutputHelper output)
{
    /// <summary>(m, k, n): a single element, odd primes, exact and one-past tiles, exact and partial
    /// short-row and half-width tiles (m = 10, 20; n = 24, 40, 48 on each path's Mr and Nr), several K
    /// and M cache blocks (Kc 256, Mc 144), several N panels (Nc 2048), a slice of 128x784x512.</summary>
    private static readonly (int M, int K, int N)[] Sizes =
    [
        (1, 1, 1), (7, 13, 5), (33, 65, 17), (12, 256, 32), (13, 257, 33),
        (10, 20, 24), (20, 40, 48), (24, 40, 40), (24, 40, 48), (150, 300, 70), (5, 3, 2100), (128, 784, 64),
    ];

    private static IEnumerable<GemmPath> SupportedPaths => Enum.GetValues<GemmPath>().Where(Gemm.IsSupported);

    /// <summary>Every kernel path; the availability test says which of them this CPU runs.</summary>
    public static TheoryData<string, bool> AllPaths()
    {
        var data = new TheoryData<string, bool>();
        foreach (GemmPath path in Enum.GetValues<GemmPath>())
            data.Add(path.ToString(), Gemm.IsSupported(path));
        return data;
    }

    /// <summary>The paths this CPU supports: each correctness test runs once per path listed here.</summary>
    public static TheoryData<string> Paths()
    {
        var data = new TheoryData<string>();
        foreach (GemmPath path in SupportedPaths)
            data.Add(path.ToString());
        return data;
    }

    public static TheoryData<string, int, int, int> PathsAndSizes()
    {
        var data = new TheoryData<string, int, int, int>();
        foreach (GemmPath path in SupportedPaths)
            foreach (var (m, k, n) in Sizes)
                data.Add(path.ToString(), m, k, n);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void Kernel_path_runs_where_the_CPU_has_it_and_is_refused_elsewhere(string path, bool present)
    {
        // A path the CPU lacks has no correctness tests at all; this test's name and output say so.
        output.WriteLine(present ? $"{path}: present on this CPU, tested" : $"{path}: ABSENT on this CPU, not tested");
        var a = new float[] { 1, 2, 3, 4 };
        var c = new float[4];
        void Multiply() => Gemm.Sgemm(Enum.Parse<GemmPath>(path), false, false, 2, 2, 2, 1f, a, 2, a, 2, 0f, c, 2);

        if (present)
        {
            Multiply();
            Assert.Equal(new float[] { 7, 10, 15, 22 }, c);
        }
        else
        {
            Assert.Throws<PlatformNotSupportedException>(Multiply);
        }
    }

    [Fact]
    public void Default_path_is_the_fastest_the_CPU_supports()
    {
        GemmPath best = SupportedPaths.Max();
        Assert.Equal(best, Gemm.DefaultPath);
    }

    [Theory]
    [MemberData(nameof(PathsAndSizes))]
    public void Sgemm_matches_reference(string path, int m, int k, int n) =>
        CheckAgainstReference(path, false, false, m, k, n);

    [Theory]
    [MemberData(nameof(PathsAndSizes))]
    public void Sgemm_transposed_A_matches_reference(string path, int m, int k, int n) =>
        CheckAgainstReference(path, true, false, m, k, n);

    [Theory]
    [MemberData(nameof(PathsAndSizes))]
    public void Sgemm_transposed_B_matches_reference(string path, int m, int k, int n) =>
        CheckAgainstReference(path, false, true, m, k, n);

    [Theory]
    [MemberData(nameof(PathsAndSizes))]
    public void Sgemm_transposed_A_and_B_matches_reference(string path, int m, int k, int n) =>
        CheckAgainstReference(path, true, true, m, k, n);

    [Theory]
    [MemberData(nameof(Paths))]
    public void Sgemm_with_beta_zero_overwrites_NaN_in_C(string path)
    {
        foreach (var (ta, tb) in TransposeCases)
            CheckAgainstReference(path, ta, tb, 29, 41, 37, alpha: 1f, beta: 0f, initialC: float.NaN);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Sgemm_with_beta_one_accumulates_into_C(string path)
    {
        foreach (var (ta, tb) in TransposeCases)
            CheckAgainstReference(path, ta, tb, 29, 300, 37, alpha: 1f, beta: 1f);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Sgemm_scales_the_product_by_alpha_and_C_by_beta(string path)
    {
        foreach (var (ta, tb) in TransposeCases)
            CheckAgainstReference(path, ta, tb, 29, 41, 37, alpha: 0.5f, beta: -0.75f);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Sgemm_honours_row_strides_and_leaves_C_padding_untouched(string path)
    {
        foreach (var (ta, tb) in TransposeCases)
            CheckAgainstReference(path, ta, tb, 45, 70, 53, alpha: 1.5f, beta: 0.5f, extraStride: 7);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Sgemm_matches_reference_on_one_and_two_threads(string path)
    {
        // 170 x 300 x 130 is past the single-thread cut-off, so two threads really split it.
        foreach (var (ta, tb) in TransposeCases)
        {
            CheckAgainstReference(path, ta, tb, 170, 300, 130, alpha: 1f, beta: 0.5f, threads: 1);
            CheckAgainstReference(path, ta, tb, 170, 300, 130, alpha: 1f, beta: 0.5f, threads: 2);
            CheckAgainstReference(path, ta, tb, 40, 300, 500, alpha: 1f, beta: 0.5f, threads: 2);
        }
    }

    [Theory]
    [InlineData(false, false, 128, 784, 512)] // dX = dY * W at layer 1, shaped like the forward
    [InlineData(false, true, 128, 784, 512)]  // forward: X * W^T
    [InlineData(true, false, 512, 128, 784)]  // weight gradient: dY^T * X
    [InlineData(false, true, 128, 256, 10)]   // output layer forward
    [InlineData(true, false, 10, 128, 256)]   // output layer weight gradient
    public void Sgemm_matches_reference_on_MNIST_MLP_shapes(bool transA, bool transB, int m, int k, int n) =>
        CheckAgainstReference(Gemm.DefaultPath.ToString(), transA, transB, m, k, n, alpha: 1f, beta: 0f, threads: 2);

    private static readonly (bool TransA, bool TransB)[] TransposeCases =
        [(false, false), (true, false), (false, true), (true, true)];

    /// <summary>Runs one Sgemm on random operands and asserts it matches the double-precision reference.</summary>
    private static void CheckAgainstReference(string pathName, bool transA, bool transB, int m, int k, int n,
        float alpha = 1f, float beta = 0.25f, float initialC = float.NaN, int extraStride = 0, int threads = 0)
    {
        var path = Enum.Parse<GemmPath>(pathName);
        var a = transA ? TestMatrix.Random(k, m, 1, extraStride) : TestMatrix.Random(m, k, 1, extraStride);
        var b = transB ? TestMatrix.Random(n, k, 2, extraStride) : TestMatrix.Random(k, n, 2, extraStride);
        const float padding = -12345f;
        var c = TestMatrix.Random(m, n, 3, extraStride, padding);
        if (beta == 0f)
            Array.Fill(c.Data, initialC);
        if (beta == 0f && extraStride > 0)
            throw new ArgumentException("padding checks need a C whose padding was not overwritten");
        var expected = GemmReference.Compute(transA, transB, m, n, k, alpha, a, b, beta, c);

        Gemm.Sgemm(path, transA, transB, m, n, k, alpha, a.Data, a.Stride, b.Data, b.Stride, beta, c.Data, c.Stride, threads);

        string what = $"{path} {(transA ? "T" : "N")}{(transB ? "T" : "N")} m={m} k={k} n={n} alpha={alpha} beta={beta} threads={threads}";
        GemmReference.AssertMatches(expected, c, what, extraStride > 0 ? padding : 0f);
    }
}
