// Which training rows are held out for validation: decided row by row from the seed, so a file is split while it
// streams, without knowing its length and without holding any of it.
namespace Dtrain.Models.Data;

/// <summary>A seeded, streaming validation split: row <c>i</c> is held out when a hash of (seed, i) falls below the fraction.</summary>
public static class ValidationSplit
{
    /// <summary>
    /// Whether row <paramref name="row"/> (0-based over all training files) belongs to the validation split. Each row
    /// is held out independently with probability <paramref name="fraction"/>, so the split holds about
    /// <c>fraction * rows</c> examples (within a few standard deviations, <c>sqrt(rows * f * (1 - f))</c>).
    /// </summary>
    public static bool IsValidation(long row, int seed, double fraction)
    {
        if (fraction <= 0)
        {
            return false;
        }

        // SplitMix64's finaliser over (seed, row): consecutive rows get independent-looking uniform 64-bit values.
        var z = unchecked(((ulong)(uint)seed * 0x9E3779B97F4A7C15UL) ^ ((ulong)row + 0x632BE59BD9B4E019UL));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53)) < fraction;
    }

    /// <summary>The predicate <see cref="IDataFormat.Learn"/> takes: true for training rows.</summary>
    public static Func<long, bool> TrainingRows(int seed, double fraction) =>
        fraction <= 0 ? _ => true : row => !IsValidation(row, seed, fraction);
}
