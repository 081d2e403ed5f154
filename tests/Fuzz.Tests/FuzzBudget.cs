// The seeds and bounds every fuzz test shares: one seed so a failure replays, a case count and a
// wall-clock limit so the suite stays bounded on a loaded 2-core machine.
namespace Dtrain.Fuzz.Tests;

internal static class FuzzBudget
{
    /// <summary>The CsCheck seed all fuzz tests start from; a failing case prints its own seed to replay.</summary>
    public const string Seed = "0N0XIzNsQ0O2";

    /// <summary>Generated cases per property: enough to cover each mutation kind many times.</summary>
    public const long Iterations = 300;

    /// <summary>Longest one input may take to be accepted or refused.</summary>
    public static readonly TimeSpan PerCase = TimeSpan.FromSeconds(5);
}
