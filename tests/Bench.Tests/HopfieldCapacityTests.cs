// The capacity table's shape: random patterns come back whole well below 0.14 N and not far above it.
using Dtrain.Bench;

namespace Dtrain.Bench.Tests;

public sealed class HopfieldCapacityTests
{
    [Fact]
    public void Random_patterns_are_recalled_below_capacity_and_lost_well_above_it()
    {
        // Arrange
        var random = HopfieldCapacityBench.RandomPatterns(250, seed: 42);

        // Act
        var rows = HopfieldCapacityBench.Sweep([20, 250], digits: null, random, seed: 42).ToArray();

        // Assert: k = 20 (0.03 N) all exact; k = 250 (0.32 N) far from it.
        Assert.Equal(1.0, rows[0].RandomExact);
        Assert.True(rows[0].RandomBits == 1.0);
        Assert.True(rows[1].RandomExact < 0.5, $"{rows[1]}");
        Assert.True(rows[1].RandomBits < rows[0].RandomBits, $"{rows[1]}");
    }
}
