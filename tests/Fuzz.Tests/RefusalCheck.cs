// What every fuzz case of a file dtrain reads must satisfy: it is accepted, or refused with one DtrainException of
// one non-empty line; never another exception, and within the time and allocation bounds of FuzzBudget.
using System.Diagnostics;
using Dtrain.Models;

namespace Dtrain.Fuzz.Tests;

internal static class RefusalCheck
{
    /// <summary>Most bytes one case may allocate on its thread: far below what a header's declared sizes would cost.</summary>
    public const long MaxAllocatedBytes = 256L << 20;

    /// <summary>
    /// Runs <paramref name="read"/> on one generated input (shown by <paramref name="describe"/> in a failure) and
    /// returns the refusal's message, or null when the input was accepted.
    /// </summary>
    public static string? AcceptedOrRefusedInOneLine(Action read, Func<string> describe)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        string? refusal = null;
        try
        {
            read();
        }
        catch (DtrainException e)
        {
            refusal = e.Message;
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{describe()}: {e.GetType().Name} escaped instead of a one-line refusal: {e.Message}", e);
        }

        var (elapsed, allocated) = (clock.Elapsed, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(elapsed < FuzzBudget.PerCase, $"{describe()}: took {elapsed.TotalSeconds:F1} s");
        Assert.True(allocated < MaxAllocatedBytes, $"{describe()}: allocated {allocated >> 20} MiB");
        if (refusal is not null)
        {
            Assert.False(string.IsNullOrWhiteSpace(refusal), $"{describe()}: refused with an empty message");
            Assert.True(refusal.IndexOfAny(['\n', '\r', '\u001b']) < 0, $"{describe()}: the refusal is not one printable line: {refusal}");
        }

        return refusal;
    }
}
