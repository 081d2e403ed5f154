// The training modes a job can run in, typed once: parsed where a model file or a flag names one, spelled back the
// same way in summaries and errors, and compared as values everywhere in between (settings, messages, roles).
namespace Dtrain.Models.Graph;

/// <summary>
/// How workers and shards agree on parameter versions. Travels in wire messages as its integer value, so the order
/// of the members is fixed.
/// </summary>
public enum TrainingMode
{
    /// <summary><c>async</c>: Downpour, every push applied as it arrives.</summary>
    Async = 0,

    /// <summary>
    /// <c>ssp</c>: bounded staleness, a worker never starts a step on parameters more than <c>staleness</c> versions
    /// behind the newest version it has heard of.
    /// </summary>
    Ssp = 1,

    /// <summary>
    /// <c>sync</c>: rounds; each shard averages the first N pushes of a round, drops late ones, answers pulls for the
    /// next round only after applying.
    /// </summary>
    Sync = 2,
}

/// <summary>The spelling of <see cref="TrainingMode"/> in model files, job files, flags and run summaries.</summary>
public static class TrainingModes
{
    /// <summary>The names a job may give, in <see cref="TrainingMode"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["async", "ssp", "sync"];

    /// <summary>The mode as a model file writes it (<c>async</c>, <c>ssp</c>, <c>sync</c>).</summary>
    public static string Name(this TrainingMode mode) => Names[(int)mode];

    /// <summary>The mode <paramref name="name"/> spells (exactly, as files and flags write it), or null when none.</summary>
    public static TrainingMode? Parse(string name)
    {
        for (var i = 0; i < Names.Count; i++)
        {
            if (string.Equals(Names[i], name, StringComparison.Ordinal))
            {
                return (TrainingMode)i;
            }
        }

        return null;
    }

    /// <summary>The one line refusing an unknown mode, e.g. <c>training.mode 'bsp' is not known; known: async, ssp, sync</c>.</summary>
    /// <param name="field">Where the name came from: <c>training.mode</c>, <c>--mode</c>.</param>
    /// <param name="name">The name given.</param>
    public static string NotKnown(string field, string name) => $"{field} '{name}' is not known; known: {string.Join(", ", Names)}";
}
