// What every fuzz case must end in: accepted, or refused with one short line of dtrain's own error, within the
// per-case bound; any other exception is a crash the fuzzer found.
using System.Diagnostics;
using Dtrain.Models;

namespace Dtrain.Fuzz.Tests;

internal static class FuzzAssert
{
    /// <summary>Runs <paramref name="act"/>: it may succeed or throw a one-line <see cref="DtrainException"/>, within <see cref="FuzzBudget.PerCase"/>.</summary>
    public static void AcceptedOrOneLine(Action act, string input)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            act();
        }
        catch (DtrainException e)
        {
            Assert.False(e.Message.Contains('\n', StringComparison.Ordinal), $"a multi-line error for {Show(input)}:\n{e.Message}");
            Assert.True(e.Message.Length < 2000, $"an error of {e.Message.Length} characters for {Show(input)}");
        }

        Assert.True(clock.Elapsed < FuzzBudget.PerCase, $"{clock.Elapsed.TotalSeconds:F1} s for {Show(input)}");
    }

    /// <summary>The input as a C# literal, short enough for a failure message.</summary>
    public static string Show(string input) =>
        "\"" + string.Concat(input.Take(400).Select(c => c is '"' or '\\' ? "\\" + c : char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())) + (input.Length > 400 ? "\"..." : "\"");
}
