// Independent double-precision references for the optimizers, written from the published update rules
// (PyTorch's SGD and Adam documentation, Kingma & Ba 2015) one element at a time, without SIMD.
namespace Dtrain.Models.Tests.Optimizers;

/// <summary>Scalar reference updates in double; state arrays start at zero, as the product's do.</summary>
internal static class ReferenceOptimizers
{
    /// <summary>w -= lr * (g + wd * w).</summary>
    public static void Sgd(double[] w, float[] g, double lr, double wd)
    {
        for (int i = 0; i < w.Length; i++)
        {
            double grad = g[i] + wd * w[i];
            w[i] -= lr * grad;
        }
    }

    /// <summary>PyTorch heavy ball: v = mu * v + (g + wd * w); w -= lr * v.</summary>
    public static void Momentum(double[] w, double[] v, float[] g, double lr, double mu, double wd)
    {
        for (int i = 0; i < w.Length; i++)
        {
            double grad = g[i] + wd * w[i];
            v[i] = mu * v[i] + grad;
            w[i] -= lr * v[i];
        }
    }

    /// <summary>
    /// Adam with bias correction: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    /// w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
    /// </summary>
    public static void Adam(double[] w, double[] m, double[] v, float[] g, long t,
        double lr, double b1, double b2, double eps, double wd)
    {
        for (int i = 0; i < w.Length; i++)
        {
            double grad = g[i] + wd * w[i];
            m[i] = b1 * m[i] + (1 - b1) * grad;
            v[i] = b2 * v[i] + (1 - b2) * grad * grad;
            double mHat = m[i] / (1 - Math.Pow(b1, t));
            double vHat = v[i] / (1 - Math.Pow(b2, t));
            w[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
        }
    }

    /// <summary>Deterministic values in [-1, 1) for parameters and gradients.</summary>
    public static float[] RandomVector(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
            values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    /// <summary>The vector widened to double, to seed a reference with the same starting values.</summary>
    public static double[] ToDouble(float[] values) => Array.ConvertAll(values, x => (double)x);

    /// <summary>
    /// Asserts each element agrees to 1e-6 relative, measured against the larger of the element and the
    /// vector's largest magnitude: an element that cancels to near zero cannot be held to its own tiny size.
    /// </summary>
    public static void AssertClose(double[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = 1e-6 * Math.Max(Math.Abs(expected[i]), scale);
            double error = Math.Abs(actual[i] - expected[i]);
            Assert.True(error <= tolerance,
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (error {error:E2} > {tolerance:E2}).");
        }
    }
}
