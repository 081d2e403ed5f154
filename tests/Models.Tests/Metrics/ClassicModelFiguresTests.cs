// The classic models' own figures: a threshold unit's best accuracy decided exactly (linear separability), and a
// Hopfield network's recall of the patterns it stored from copies with a tenth of their bits flipped.
using Dtrain.Models.Data;
using Dtrain.Models.Metrics;

namespace Dtrain.Models.Tests.Metrics;

public sealed class ClassicModelFiguresTests
{
    private static Dataset Gate(Func<int, int, int> gate, int repeats = 2)
    {
        var features = new List<float>();
        var labels = new List<int>();
        for (var r = 0; r < repeats; r++)
        {
            for (var a = 0; a < 2; a++)
            {
                for (var b = 0; b < 2; b++)
                {
                    features.AddRange([a, b]);
                    labels.Add(gate(a, b));
                }
            }
        }

        return new Dataset("gate", [2], classes: 2, features.ToArray(), labels.ToArray());
    }

    [Theory]
    [InlineData("and", 1.0)]
    [InlineData("or", 1.0)]
    [InlineData("xor", 0.75)]
    public void Threshold_unit_best_accuracy_is_one_for_separable_gates_and_three_quarters_for_xor(string gate, double expected)
    {
        // Arrange
        Func<int, int, int> f = gate switch { "and" => (a, b) => a & b, "or" => (a, b) => a | b, _ => (a, b) => a ^ b };

        // Act
        var best = LinearSeparability.BestAccuracy(Gate(f));

        // Assert
        Assert.Equal(expected, best);
    }

    [Fact]
    public void Separable_decides_points_on_a_line_and_their_interleaving()
    {
        // Arrange: 0 < 1 < 2 on a line; labels 0,0,1 split at 1.5, labels 0,1,0 need two cuts.
        var line = new[] { new double[] { 0 }, [1], [2] };

        // Act and assert
        Assert.True(LinearSeparability.Separable([(line[0], 0), (line[1], 0), (line[2], 1)]));
        Assert.False(LinearSeparability.Separable([(line[0], 0), (line[1], 1), (line[2], 0)]));
        Assert.False(LinearSeparability.Separable([(line[0], 0), (line[0], 1)]));
    }

    [Fact]
    public void Hopfield_recall_restores_a_stored_pattern_from_a_tenth_of_its_bits_flipped()
    {
        // Arrange: two random patterns of 200 units stored by Hebb's rule, W = (1/N) sum p p^T, zero diagonal.
        const int n = 200;
        var rng = new Random(3);
        var patterns = Enumerable.Range(0, 2 * n).Select(_ => rng.Next(2) == 0 ? -1f : 1f).ToArray();
        var w = new float[n * n];
        for (var p = 0; p < 2; p++)
        {
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    w[(i * n) + j] += i == j ? 0 : patterns[(p * n) + i] * patterns[(p * n) + j] / n;
                }
            }
        }

        // Act
        var right = HopfieldRecall.BitsRight(w, n, patterns, seed: 5);

        // Assert: both come back exactly, and the same seed repeats the figure.
        Assert.Equal([n, n], right);
        Assert.Equal(1.0, HopfieldRecall.Accuracy(w, n, patterns, seed: 5));
    }

    [Fact]
    public void Hopfield_recall_of_an_unstored_pattern_is_not_perfect()
    {
        // Arrange: W = 0 keeps every state, so the flipped tenth stays wrong.
        const int n = 100;
        var pattern = Enumerable.Range(0, n).Select(i => i % 3 == 0 ? 1f : -1f).ToArray();

        // Act
        var accuracy = HopfieldRecall.Accuracy(new float[n * n], n, pattern, seed: 1);

        // Assert
        Assert.Equal(0.9, accuracy, 12);
    }
}
