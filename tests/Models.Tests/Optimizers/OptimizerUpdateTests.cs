// Checks each optimizer's update against the double-precision reference of its published rule. Lengths
// 27 = 16 + 8 + 3 and 4107 = 256 * 16 + 8 + 3 reach the 512-bit body, a 256-bit pass and the scalar tail.
using Dtrain.Models.Optimizers;
using static Dtrain.Models.Tests.Optimizers.ReferenceOptimizers;

namespace Dtrain.Models.Tests.Optimizers;

public class OptimizerUpdateTests
{
    private const float LearningRate = 0.05f;
    private const float WeightDecay = 0.01f;

    [Theory]
    [InlineData(27)]
    [InlineData(4107)]
    public void Sgd_matches_reference_over_several_steps(int length)
    {
        // Arrange
        var optimizer = new Sgd(LearningRate, WeightDecay);
        var w = RandomVector(length, seed: 1);
        var expected = ToDouble(w);

        for (int step = 1; step <= 4; step++)
        {
            var g = RandomVector(length, seed: 100 + step);

            // Act
            optimizer.Apply(w, g, [], [], step);
            Sgd(expected, g, LearningRate, WeightDecay);

            // Assert
            AssertClose(expected, w, $"w after step {step}");
        }
    }

    [Theory]
    [InlineData(27)]
    [InlineData(4107)]
    public void Momentum_matches_reference_over_several_steps(int length)
    {
        // Arrange
        const float mu = 0.9f;
        var optimizer = new Momentum(LearningRate, mu, WeightDecay);
        var w = RandomVector(length, seed: 2);
        var velocity = new float[length];
        var expectedW = ToDouble(w);
        var expectedV = new double[length];

        for (int step = 1; step <= 4; step++)
        {
            var g = RandomVector(length, seed: 200 + step);

            // Act
            optimizer.Apply(w, g, velocity, [], step);
            Momentum(expectedW, expectedV, g, LearningRate, mu, WeightDecay);

            // Assert
            AssertClose(expectedV, velocity, $"velocity after step {step}");
            AssertClose(expectedW, w, $"w after step {step}");
        }
    }

    [Theory]
    [InlineData(27, 0f)]
    [InlineData(27, WeightDecay)]
    [InlineData(4107, WeightDecay)]
    public void Adam_matches_reference_over_several_steps(int length, float weightDecay)
    {
        // Arrange
        const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
        var optimizer = new Adam(LearningRate, b1, b2, eps, weightDecay);
        var w = RandomVector(length, seed: 3);
        var m = new float[length];
        var v = new float[length];
        var expectedW = ToDouble(w);
        var expectedM = new double[length];
        var expectedV = new double[length];

        for (int step = 1; step <= 5; step++)
        {
            var g = RandomVector(length, seed: 300 + step);

            // Act
            optimizer.Apply(w, g, m, v, step);
            Adam(expectedW, expectedM, expectedV, g, step, LearningRate, b1, b2, eps, weightDecay);

            // Assert
            AssertClose(expectedM, m, $"m after step {step}");
            AssertClose(expectedV, v, $"v after step {step}");
            AssertClose(expectedW, w, $"w after step {step}");
        }
    }

    [Fact]
    public void Adam_first_step_moves_each_weight_by_the_learning_rate_against_the_gradient_sign()
    {
        // Arrange: with bias correction, m_hat / sqrt(v_hat) = g / |g| on step 1 (Kingma & Ba, section 2.1).
        var optimizer = new Adam(0.01f);
        float[] w = [0.5f, 0.5f, 0.5f];
        float[] g = [3f, -0.002f, 40f];

        // Act
        optimizer.Apply(w, g, new float[3], new float[3], step: 1);

        // Assert
        Assert.Equal(0.49f, w[0], 1e-6f);
        Assert.Equal(0.51f, w[1], 1e-5f);
        Assert.Equal(0.49f, w[2], 1e-6f);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("momentum")]
    [InlineData("adam")]
    [InlineData("nesterov")]
    [InlineData("adagrad")]
    [InlineData("rmsprop")]
    [InlineData("adadelta")]
    [InlineData("adamw")]
    public void Update_does_not_depend_on_where_a_chunk_is_split(string type)
    {
        // Arrange: shards apply chunks at arbitrary offsets, so vector lanes and the scalar tail must agree bit for bit.
        var optimizer = Dtrain.Models.Optimizers.Optimizers.Create(new OptimizerSettings(type, 0.01f, WeightDecay: 0.001f));
        const int length = 1000, split = 45; // 45 = 32 + 8 + 5 and 955 = 944 + 8 + 3: every path in both pieces
        var whole = RandomVector(length, seed: 4);
        var pieces = (float[])whole.Clone();
        var (s0Whole, s1Whole) = (new float[length], new float[length]);
        var (s0Pieces, s1Pieces) = (new float[length], new float[length]);
        int slots = optimizer.StateSlots;

        for (int step = 1; step <= 3; step++)
        {
            var g = RandomVector(length, seed: 400 + step);

            // Act
            optimizer.Apply(whole, g, slots >= 1 ? s0Whole : [], slots >= 2 ? s1Whole : [], step);
            foreach (var (start, count) in new[] { (0, split), (split, length - split) })
            {
                optimizer.Apply(pieces.AsSpan(start, count), g.AsSpan(start, count),
                    slots >= 1 ? s0Pieces.AsSpan(start, count) : [],
                    slots >= 2 ? s1Pieces.AsSpan(start, count) : [], step);
            }
        }

        // Assert
        Assert.Equal(whole, pieces);
        Assert.Equal(s0Whole, s0Pieces);
        Assert.Equal(s1Whole, s1Pieces);
    }
}
