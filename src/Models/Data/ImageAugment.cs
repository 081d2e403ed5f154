// Seeded image augmentation the worker applies to a gathered training batch: random crop after zero padding and
// left-right flip. Each example's draw depends only on (seed, epoch, example index), so a rerun is identical and the
// result does not depend on how many workers share the epoch or which one gathers the example.
using System.Buffers;

namespace Dtrain.Models.Data;

/// <summary>Random crop with zero padding and horizontal flip over channels-first image batches.</summary>
public static class ImageAugment
{
    /// <summary>Whether <paramref name="cropPadding"/> and <paramref name="flip"/> change anything (the worker skips the call otherwise).</summary>
    public static bool IsOn(int cropPadding, bool flip) => cropPadding > 0 || flip;

    /// <summary>
    /// Augments a batch in place. Example <c>b</c> (data-set index <c>indices[b]</c>) is padded with
    /// <paramref name="cropPadding"/> zero pixels on every side and cropped back to its size at an offset drawn in
    /// <c>[0, 2 * cropPadding]</c> on each axis, then flipped left-right with probability 1/2 when
    /// <paramref name="flip"/> is set. All channels of one example move together.
    /// </summary>
    /// <param name="features">(B, C, H, W), or (B, H, W) for a <paramref name="featureShape"/> of rank 2, row-major.</param>
    /// <param name="featureShape">One example's shape: <c>[C, H, W]</c> or <c>[H, W]</c>.</param>
    /// <param name="indices">(B): each example's index in its data set, which seeds its draw.</param>
    /// <param name="cropPadding">Zero pixels added per side before the crop; 0 turns cropping off.</param>
    /// <param name="flip">Whether to flip left-right with probability 1/2.</param>
    /// <param name="seed">The job's seed.</param>
    /// <param name="epoch">The epoch (0-based or 1-based, as long as the caller is consistent), so each epoch draws anew.</param>
    public static void Apply(Span<float> features, int[] featureShape, ReadOnlySpan<int> indices, int cropPadding, bool flip, int seed, int epoch)
    {
        ArgumentNullException.ThrowIfNull(featureShape);
        ArgumentOutOfRangeException.ThrowIfNegative(cropPadding);
        var (channels, height, width) = featureShape switch
        {
            [var c, var h, var w] => (c, h, w),
            [var h, var w] => (1, h, w),
            _ => throw new ArgumentException($"Image augmentation needs examples of shape [C, H, W] or [H, W], got [{string.Join(", ", featureShape)}].", nameof(featureShape)),
        };
        int size = channels * height * width;
        if (features.Length != (long)indices.Length * size)
        {
            throw new ArgumentException($"Image augmentation of {indices.Length} examples of [{string.Join(", ", featureShape)}] needs {(long)indices.Length * size} values, got {features.Length}.", nameof(features));
        }

        if (!IsOn(cropPadding, flip))
        {
            return;
        }

        var scratch = ArrayPool<float>.Shared.Rent(size);
        try
        {
            for (int b = 0; b < indices.Length; b++)
            {
                var (dy, dx, mirror) = Draw(seed, epoch, indices[b], cropPadding, flip);
                var example = features.Slice(b * size, size);
                example.CopyTo(scratch);
                Transform(scratch.AsSpan(0, size), example, channels, height, width, dy, dx, mirror);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// One example's draw: the crop's shift <c>(dy, dx)</c>, each in <c>[-cropPadding, cropPadding]</c> (the offset
    /// into the padded image minus the padding), and whether to mirror.
    /// </summary>
    public static (int Dy, int Dx, bool Mirror) Draw(int seed, int epoch, int index, int cropPadding, bool flip)
    {
        // SplitMix64 over the three coordinates: cheap, stateless and well mixed, so neighbouring indices are unrelated.
        ulong state = Mix(Mix(Mix(0x9E3779B97F4A7C15UL ^ (ulong)(uint)seed) ^ (ulong)(uint)epoch) ^ (ulong)(uint)index);
        int span = 2 * cropPadding + 1;
        int dy = cropPadding > 0 ? (int)(Next(ref state) % (ulong)span) - cropPadding : 0;
        int dx = cropPadding > 0 ? (int)(Next(ref state) % (ulong)span) - cropPadding : 0;
        bool mirror = flip && (Next(ref state) & 1) == 1;
        return (dy, dx, mirror);
    }

    /// <summary>
    /// Writes <paramref name="source"/> (C, H, W) shifted by (dy, dx) into <paramref name="target"/> (C, H, W):
    /// <c>target[c, y, x] = source[c, y + dy, x' + dx]</c> with <c>x' = W - 1 - x</c> when mirrored, zero outside.
    /// </summary>
    private static void Transform(ReadOnlySpan<float> source, Span<float> target, int channels, int height, int width, int dy, int dx, bool mirror)
    {
        for (int c = 0; c < channels; c++)
        {
            int plane = c * height * width;
            for (int y = 0; y < height; y++)
            {
                var row = target.Slice(plane + y * width, width);
                int sy = y + dy;
                if ((uint)sy >= (uint)height)
                {
                    row.Clear();
                    continue;
                }

                var sourceRow = source.Slice(plane + sy * width, width);
                for (int x = 0; x < width; x++)
                {
                    int sx = (mirror ? width - 1 - x : x) + dx;
                    row[x] = (uint)sx < (uint)width ? sourceRow[sx] : 0f;
                }
            }
        }
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong Next(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }
}
