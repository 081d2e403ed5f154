// Argument checks shared by the optimizers' Apply: a wrong-length span would otherwise read or write out of
// bounds in the unchecked SIMD loops, so it is rejected before any element is touched.
namespace Dtrain.Models.Optimizers;

/// <summary>Validates the spans and step passed to <see cref="IOptimizer.Apply"/>.</summary>
internal static class ChunkArguments
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the span whose length differs from the parameters',
    /// checking only the state slots the optimizer uses, and rejects a step below 1.
    /// </summary>
    public static void Check(
        string optimizer, int slots, int parameters, int gradient, int s0, int s1, long step)
    {
        if (gradient != parameters)
            throw new ArgumentException(
                $"{optimizer}: gradient has {gradient} elements but parameters has {parameters}.", nameof(gradient));
        if (slots >= 1 && s0 != parameters)
            throw new ArgumentException(
                $"{optimizer}: state slot s0 has {s0} elements but parameters has {parameters}.", nameof(s0));
        if (slots >= 2 && s1 != parameters)
            throw new ArgumentException(
                $"{optimizer}: state slot s1 has {s1} elements but parameters has {parameters}.", nameof(s1));
        if (step < 1)
            throw new ArgumentOutOfRangeException(nameof(step), step, $"{optimizer}: step is 1-based and must be at least 1.");
    }
}
