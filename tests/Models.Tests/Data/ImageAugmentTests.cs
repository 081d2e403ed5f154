// Checks the worker's image augmentation: seeded draws, exact flips and crops that shift with zero fill.
using Dtrain.Models.Data;

namespace Dtrain.Models.Tests.Data;

public sealed class ImageAugmentTests
{
    /// <summary>A batch of <paramref name="count"/> examples of (C, H, W) whose values are all distinct and non-zero.</summary>
    private static float[] Batch(int count, int channels, int height, int width) =>
        Enumerable.Range(1, count * channels * height * width).Select(v => (float)v).ToArray();

    [Fact]
    public void Apply_is_identical_for_the_same_seed_epoch_and_indices_and_independent_of_batch_grouping()
    {
        // Arrange: one batch of four, and the same examples gathered as two batches of two (two workers).
        int[] shape = [3, 5, 6];
        var whole = Batch(4, 3, 5, 6);
        var again = (float[])whole.Clone();
        var halves = (float[])whole.Clone();
        int size = 3 * 5 * 6;

        // Act
        ImageAugment.Apply(whole, shape, [10, 11, 12, 13], cropPadding: 2, flip: true, seed: 7, epoch: 3);
        ImageAugment.Apply(again, shape, [10, 11, 12, 13], cropPadding: 2, flip: true, seed: 7, epoch: 3);
        ImageAugment.Apply(halves.AsSpan(0, 2 * size), shape, [10, 11], 2, true, 7, 3);
        ImageAugment.Apply(halves.AsSpan(2 * size), shape, [12, 13], 2, true, 7, 3);

        // Assert
        Assert.Equal(whole, again);
        Assert.Equal(whole, halves);
    }

    [Fact]
    public void Apply_draws_differently_in_another_epoch_or_under_another_seed()
    {
        // Arrange: many examples, so identical draws by chance are out of the question.
        var indices = Enumerable.Range(0, 64).ToArray();
        var draws = indices.Select(i => ImageAugment.Draw(1, 0, i, 4, true)).ToArray();

        // Act
        var nextEpoch = indices.Select(i => ImageAugment.Draw(1, 1, i, 4, true)).ToArray();
        var otherSeed = indices.Select(i => ImageAugment.Draw(2, 0, i, 4, true)).ToArray();

        // Assert
        Assert.NotEqual(draws, nextEpoch);
        Assert.NotEqual(draws, otherSeed);
        Assert.All(draws, d => Assert.InRange(d.Dy, -4, 4));
        Assert.All(draws, d => Assert.InRange(d.Dx, -4, 4));
        Assert.Contains(draws, d => d.Mirror);
        Assert.Contains(draws, d => !d.Mirror);
    }

    [Fact]
    public void Apply_with_flip_only_mirrors_every_row_of_every_channel_or_leaves_the_example_unchanged()
    {
        // Arrange
        int[] shape = [2, 3, 4];
        var indices = Enumerable.Range(0, 16).ToArray();
        var original = Batch(16, 2, 3, 4);
        var batch = (float[])original.Clone();

        // Act
        ImageAugment.Apply(batch, shape, indices, cropPadding: 0, flip: true, seed: 5, epoch: 0);

        // Assert
        int flipped = 0;
        for (int b = 0; b < 16; b++)
        {
            bool mirror = ImageAugment.Draw(5, 0, b, 0, true).Mirror;
            flipped += mirror ? 1 : 0;
            for (int c = 0; c < 2; c++)
            {
                for (int y = 0; y < 3; y++)
                {
                    for (int x = 0; x < 4; x++)
                    {
                        int at = b * 24 + c * 12 + y * 4;
                        Assert.Equal(original[at + (mirror ? 3 - x : x)], batch[at + x]);
                    }
                }
            }
        }

        Assert.InRange(flipped, 1, 15);
    }

    [Fact]
    public void Apply_with_crop_only_shifts_the_image_by_the_drawn_offset_and_fills_the_uncovered_border_with_zeros()
    {
        // Arrange: a single-channel [H, W] example per index.
        int[] shape = [6, 7];
        var indices = Enumerable.Range(0, 32).ToArray();
        var original = Batch(32, 1, 6, 7);
        var batch = (float[])original.Clone();

        // Act
        ImageAugment.Apply(batch, shape, indices, cropPadding: 2, flip: false, seed: 9, epoch: 4);

        // Assert
        var shifts = new HashSet<(int, int)>();
        for (int b = 0; b < 32; b++)
        {
            var (dy, dx, mirror) = ImageAugment.Draw(9, 4, b, 2, false);
            Assert.False(mirror);
            shifts.Add((dy, dx));
            for (int y = 0; y < 6; y++)
            {
                for (int x = 0; x < 7; x++)
                {
                    int sy = y + dy, sx = x + dx;
                    float expected = sy is >= 0 and < 6 && sx is >= 0 and < 7 ? original[b * 42 + sy * 7 + sx] : 0f;
                    Assert.Equal(expected, batch[b * 42 + y * 7 + x]);
                }
            }
        }

        Assert.True(shifts.Count > 5, $"only {shifts.Count} distinct shifts in 32 draws");
    }

    [Fact]
    public void Apply_with_crop_and_flip_crops_then_mirrors_as_torchvision_does()
    {
        // Arrange: find an index whose draw both shifts and mirrors.
        int index = Enumerable.Range(0, 1000).First(i => ImageAugment.Draw(3, 2, i, 1, true) is { Mirror: true, Dx: not 0 });
        var (dy, dx, _) = ImageAugment.Draw(3, 2, index, 1, true);
        var original = Batch(1, 1, 4, 5);
        var batch = (float[])original.Clone();

        // Act
        ImageAugment.Apply(batch, [1, 4, 5], [index], cropPadding: 1, flip: true, seed: 3, epoch: 2);

        // Assert: out[y, x] = cropped[y, W-1-x] = in[y + dy, W-1-x + dx].
        for (int y = 0; y < 4; y++)
        {
            for (int x = 0; x < 5; x++)
            {
                int sy = y + dy, sx = 4 - x + dx;
                float expected = sy is >= 0 and < 4 && sx is >= 0 and < 5 ? original[sy * 5 + sx] : 0f;
                Assert.Equal(expected, batch[y * 5 + x]);
            }
        }
    }

    [Fact]
    public void Apply_refuses_a_batch_whose_length_does_not_match_the_shape()
    {
        var error = Assert.Throws<ArgumentException>(() => ImageAugment.Apply(new float[10], [1, 2, 2], [0, 1], 1, true, 0, 0));

        Assert.Contains("needs 8 values, got 10", error.Message, StringComparison.Ordinal);
    }
}
