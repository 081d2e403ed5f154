// Nesterov, AdaGrad, RMSProp, AdaDelta and AdamW checked over several steps against double-precision references
// written here from the published rules (PyTorch's documented algorithms; Duchi et al. 2011; Zeiler 2012;
// Loshchilov & Hutter 2019), one element at a time; also the learning-rate scale a schedule passes in.
using Dtrain.Models.Optimizers;
using static Dtrain.Models.Tests.Optimizers.ReferenceOptimizers;
using Factory = Dtrain.Models.Optimizers.Optimizers;

namespace Dtrain.Models.Tests.Optimizers;

public class AdaptiveOptimizerUpdateTests
{
    private const float LearningRate = 0.05f;
    private const float WeightDecay = 0.01f;

    // 27 = 16 + 8 + 3 and 4107 = 256 * 16 + 8 + 3 reach the 512-bit body, a 256-bit pass and the scalar tail.
    [Theory]
    [InlineData(27)]
    [InlineData(4107)]
    public void Nesterov_matches_reference_over_several_steps(int length)
    {
        // Arrange
        const float mu = 0.9f;
        var optimizer = new Nesterov(LearningRate, mu, WeightDecay);
        var w = RandomVector(length, seed: 5);
        var velocity = new float[length];
        var (expectedW, expectedV) = (ToDouble(w), new double[length]);

        for (int step = 1; step <= 4; step++)
        {
            var g = RandomVector(length, seed: 500 + step);

            // Act
            optimizer.Apply(w, g, velocity, [], step);
            NesterovReference(expectedW, expectedV, g, LearningRate, mu, WeightDecay);

            // Assert
            AssertClose(expectedV, velocity, $"velocity after step {step}");
            AssertClose(expectedW, w, $"w after step {step}");
        }
    }

    [Theory]
    [InlineData(27)]
    [InlineData(4107)]
    public void Adagrad_matches_reference_over_several_steps(int length)
    {
        // Arrange
        const float eps = 1e-10f;
        var optimizer = new Adagrad(LearningRate, eps, WeightDecay);
        var w = RandomVector(length, seed: 6);
        var sum = new float[length];
        var (expectedW, expectedSum) = (ToDouble(w), new double[length]);

        for (int step = 1; step <= 4; step++)
        {
            var g = RandomVector(length, seed: 600 + step);

            // Act
            optimizer.Apply(w, g, sum, [], step);
            AdagradReference(expectedW, expectedSum, g, LearningRate, eps, WeightDecay);

            // Assert
            AssertClose(expectedSum, sum, $"sum of squares after step {step}");
            AssertClose(expectedW, w, $"w after step {step}");
        }
    }

    [Theory]
    [InlineData(27)]
    [InlineData(4107)]
    public void RmsProp_matches_reference_over_several_steps(int length)
    {
        // Arrange
        const float alpha = 0.99f, eps = 1e-8f;
        var optimizer = new RmsProp(LearningRate, alpha, eps, WeightDecay);
        var w = RandomVector(length, seed: 7);
        var square = new float[length];
        var (expectedW, expectedSquare) = (ToDouble(w), new double[length]);

        for (int step = 1; step <= 4; step++)
        {
            var g = RandomVector(length, seed: 700 + step);

            // Act
            optimizer.Apply(w, g, square, [], step);
            RmsPropReference(expectedW, expectedSquare, g, LearningRate, alpha, eps, WeightDecay);

            // Assert
            AssertClose(expectedSquare, square, $"mean square after step {step}");
            AssertClose(expectedW, w, $"w after step {step}");
        }
    }

    [Theory]
    [InlineData(27)]
    [InlineData(4107)]
    public void Adadelta_matches_reference_over_several_steps(int length)
    {
        // Arrange: Zeiler's defaults, lr 1.
        const float rho = 0.9f, eps = 1e-6f;
        var optimizer = new Adadelta(1f, rho, eps, WeightDecay);
        var w = RandomVector(length, seed: 8);
        var (square, delta) = (new float[length], new float[length]);
        var (expectedW, expectedSquare, expectedDelta) = (ToDouble(w), new double[length], new double[length]);

        for (int step = 1; step <= 5; step++)
        {
            var g = RandomVector(length, seed: 800 + step);

            // Act
            optimizer.Apply(w, g, square, delta, step);
            AdadeltaReference(expectedW, expectedSquare, expectedDelta, g, 1.0, rho, eps, WeightDecay);

            // Assert
            AssertClose(expectedSquare, square, $"mean square gradient after step {step}");
            AssertClose(expectedDelta, delta, $"mean square update after step {step}");
            AssertClose(expectedW, w, $"w after step {step}");
        }
    }

    [Theory]
    [InlineData(27, 0.01f)]
    [InlineData(4107, 0.1f)]
    public void AdamW_matches_reference_over_several_steps(int length, float weightDecay)
    {
        // Arrange
        const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
        var optimizer = new AdamW(LearningRate, b1, b2, eps, weightDecay);
        var w = RandomVector(length, seed: 9);
        var (m, v) = (new float[length], new float[length]);
        var (expectedW, expectedM, expectedV) = (ToDouble(w), new double[length], new double[length]);

        for (int step = 1; step <= 5; step++)
        {
            var g = RandomVector(length, seed: 900 + step);

            // Act
            optimizer.Apply(w, g, m, v, step);
            AdamWReference(expectedW, expectedM, expectedV, g, step, LearningRate, b1, b2, eps, weightDecay);

            // Assert
            AssertClose(expectedM, m, $"m after step {step}");
            AssertClose(expectedV, v, $"v after step {step}");
            AssertClose(expectedW, w, $"w after step {step}");
        }
    }

    [Fact]
    public void AdamW_decays_weights_without_a_gradient_while_adam_with_l2_moves_them_by_the_learning_rate()
    {
        // Arrange: a zero gradient isolates the decay. AdamW shrinks w by the factor 1 - lr * wd; Adam folds
        // wd * w into the gradient, and its normalized first step moves w by the full lr.
        float[] adamW = [2f], adam = [2f];

        // Act
        new AdamW(0.1f, weightDecay: 0.5f).Apply(adamW, [0f], new float[1], new float[1], 1);
        new Adam(0.1f, weightDecay: 0.5f).Apply(adam, [0f], new float[1], new float[1], 1);

        // Assert
        Assert.Equal(2f * (1f - (0.1f * 0.5f)), adamW[0], 1e-6f);
        Assert.Equal(2f - 0.1f, adam[0], 1e-5f);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("momentum")]
    [InlineData("nesterov")]
    [InlineData("adagrad")]
    [InlineData("rmsprop")]
    [InlineData("adadelta")]
    [InlineData("adam")]
    [InlineData("adamw")]
    public void Learning_rate_scale_acts_as_a_scaled_learning_rate(string type)
    {
        // Arrange: the shard's schedule passes a scale; it must equal building the optimizer with lr * scale.
        const float scale = 0.3f;
        var scaled = Factory.Create(new OptimizerSettings(type, 0.02f, WeightDecay: 0.01f));
        var reference = Factory.Create(new OptimizerSettings(type, 0.02f * scale, WeightDecay: 0.01f));
        var (a, b) = (RandomVector(40, seed: 10), RandomVector(40, seed: 10));
        var (a0, a1, b0, b1) = (new float[40], new float[40], new float[40], new float[40]);
        var slots = scaled.StateSlots;

        for (int step = 1; step <= 3; step++)
        {
            var g = RandomVector(40, seed: 1000 + step);

            // Act
            scaled.Apply(a, g, slots >= 1 ? a0 : [], slots >= 2 ? a1 : [], step, scale);
            reference.Apply(b, g, slots >= 1 ? b0 : [], slots >= 2 ? b1 : [], step);
        }

        // Assert
        AssertClose(ToDouble(b), a, $"{type} w after 3 scaled steps");
    }

    [Fact]
    public void Unset_hyperparameters_take_each_types_published_defaults()
    {
        // Arrange: adadelta defaults to lr 1, rho 0.9, eps 1e-6 (Zeiler; PyTorch); adamw to weight decay 0.01.
        var adadelta = Factory.Create(new OptimizerSettings("adadelta"));
        var adamw = Factory.Create(new OptimizerSettings("adamw"));
        var w = RandomVector(20, seed: 11);
        var g = RandomVector(20, seed: 12);
        var (wa, wb) = ((float[])w.Clone(), (float[])w.Clone());
        var (expectedA, expectedB) = (ToDouble(w), ToDouble(w));

        // Act
        adadelta.Apply(wa, g, new float[20], new float[20], 1);
        adamw.Apply(wb, g, new float[20], new float[20], 1);
        AdadeltaReference(expectedA, new double[20], new double[20], g, 1.0, 0.9, 1e-6, 0);
        AdamWReference(expectedB, new double[20], new double[20], g, 1, 1e-3, 0.9, 0.999, 1e-8, 0.01);

        // Assert
        AssertClose(expectedA, wa, "adadelta with defaults");
        AssertClose(expectedB, wb, "adamw with defaults");
        Assert.Equal(1f, new OptimizerSettings("adadelta").EffectiveLearningRate);
        Assert.Equal(1e-2f, new OptimizerSettings("adagrad").EffectiveLearningRate);
    }

    /// <summary>PyTorch SGD(nesterov=True): g' = g + wd w; v = mu v + g'; w -= lr (g' + mu v).</summary>
    private static void NesterovReference(double[] w, double[] v, float[] g, double lr, double mu, double wd)
    {
        for (int i = 0; i < w.Length; i++)
        {
            double grad = g[i] + wd * w[i];
            v[i] = mu * v[i] + grad;
            w[i] -= lr * (grad + mu * v[i]);
        }
    }

    /// <summary>AdaGrad (PyTorch, lr_decay 0, initial accumulator 0): s += g'^2; w -= lr g' / (sqrt(s) + eps).</summary>
    private static void AdagradReference(double[] w, double[] s, float[] g, double lr, double eps, double wd)
    {
        for (int i = 0; i < w.Length; i++)
        {
            double grad = g[i] + wd * w[i];
            s[i] += grad * grad;
            w[i] -= lr * grad / (Math.Sqrt(s[i]) + eps);
        }
    }

    /// <summary>RMSProp (PyTorch, not centered, no momentum): v = a v + (1 - a) g'^2; w -= lr g' / (sqrt(v) + eps).</summary>
    private static void RmsPropReference(double[] w, double[] v, float[] g, double lr, double alpha, double eps, double wd)
    {
        for (int i = 0; i < w.Length; i++)
        {
            double grad = g[i] + wd * w[i];
            v[i] = alpha * v[i] + (1 - alpha) * grad * grad;
            w[i] -= lr * grad / (Math.Sqrt(v[i]) + eps);
        }
    }

    /// <summary>
    /// AdaDelta (Zeiler 2012, Algorithm 1, with PyTorch's lr): E[g^2] = rho E[g^2] + (1 - rho) g^2;
    /// dx = RMS[dx]_{t-1} / RMS[g]_t * g; E[dx^2] = rho E[dx^2] + (1 - rho) dx^2; w -= lr dx; RMS[y] = sqrt(E[y^2] + eps).
    /// </summary>
    private static void AdadeltaReference(double[] w, double[] eg2, double[] edx2, float[] g, double lr, double rho, double eps, double wd)
    {
        for (int i = 0; i < w.Length; i++)
        {
            double grad = g[i] + wd * w[i];
            eg2[i] = rho * eg2[i] + (1 - rho) * grad * grad;
            double dx = Math.Sqrt(edx2[i] + eps) / Math.Sqrt(eg2[i] + eps) * grad;
            edx2[i] = rho * edx2[i] + (1 - rho) * dx * dx;
            w[i] -= lr * dx;
        }
    }

    /// <summary>
    /// AdamW (Loshchilov &amp; Hutter 2019, as PyTorch): w *= 1 - lr wd; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    /// w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
    /// </summary>
    private static void AdamWReference(double[] w, double[] m, double[] v, float[] g, long t, double lr, double b1, double b2, double eps, double wd)
    {
        for (int i = 0; i < w.Length; i++)
        {
            w[i] *= 1 - lr * wd;
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            double mHat = m[i] / (1 - Math.Pow(b1, t));
            double vHat = v[i] / (1 - Math.Pow(b2, t));
            w[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
        }
    }
}
