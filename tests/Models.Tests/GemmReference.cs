// The independent answer GEMM tests compare against: a naive triple loop accumulating in double,
// with the tolerance check and the random operands the tests share.
namespace Dtrain.Models.Tests;

/// <summary>A strided row-major matrix of random values in [-1, 1], as the tests hand them to Sgemm.</summary>
internal sealed record TestMatrix(float[] Data, int Rows, int Cols, int Stride)
{
    /// <summary>Fills a rows x cols matrix (plus stride padding) from a fixed seed; padding holds <paramref name="padding"/>.</summary>
    public static TestMatrix Random(int rows, int cols, int seed, int extraStride = 0, float padding = 0f)
    {
        int stride = Math.Max(1, cols + extraStride);
        var data = new float[Math.Max(1, rows * stride)];
        var rng = new Random(seed);
        for (int i = 0; i < data.Length; i++)
            data[i] = i % stride < cols ? (float)(rng.NextDouble() * 2 - 1) : padding;
        return new TestMatrix(data, rows, cols, stride);
    }

    /// <summary>Element (row, col).</summary>
    public float this[int row, int col] => Data[row * Stride + col];
}

/// <summary>Reference SGEMM in double precision and the comparison the tests assert.</summary>
internal static class GemmReference
{
    /// <summary>
    /// Returns alpha * op(A) * op(B) + beta * C (beta == 0 ignores C, NaN included) and, per element, the
    /// sum of the absolute values of its terms: float rounding error scales with that sum, which grows with k.
    /// </summary>
    public static (double[] Value, double[] Magnitude) Compute(bool transA, bool transB, int m, int n, int k,
        float alpha, TestMatrix a, TestMatrix b, float beta, TestMatrix c)
    {
        var value = new double[m * n];
        var magnitude = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, abs = 0;
                for (int p = 0; p < k; p++)
                {
                    double term = (double)(transA ? a[p, i] : a[i, p]) * (transB ? b[j, p] : b[p, j]);
                    sum += term;
                    abs += Math.Abs(term);
                }
                double old = beta == 0f ? 0 : (double)beta * c[i, j];
                value[i * n + j] = alpha * sum + old;
                magnitude[i * n + j] = Math.Abs(alpha) * abs + Math.Abs(old);
            }
        }
        return (value, magnitude);
    }

    /// <summary>
    /// Asserts C matches the reference within a relative 1e-4 of each element's term magnitude, and
    /// that the stride padding of C still holds <paramref name="padding"/> (Sgemm must not write there).
    /// </summary>
    public static void AssertMatches((double[] Value, double[] Magnitude) expected, TestMatrix c, string what, float padding = 0f)
    {
        for (int i = 0; i < c.Rows; i++)
        {
            for (int j = 0; j < c.Stride; j++)
            {
                float got = c.Data[i * c.Stride + j];
                if (j >= c.Cols)
                {
                    Assert.True(got.Equals(padding), $"{what}: padding C[{i},{j}] was overwritten with {got}");
                    continue;
                }
                double want = expected.Value[i * c.Cols + j];
                double tolerance = 1e-4 * expected.Magnitude[i * c.Cols + j] + 1e-6;
                Assert.True(Math.Abs(got - want) <= tolerance,
                    $"{what}: C[{i},{j}] = {got}, expected {want} (tolerance {tolerance:G3})");
            }
        }
    }
}
