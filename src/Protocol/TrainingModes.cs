// Names of the training modes a job can run in, as they appear in model files, flags and messages.
namespace Dtrain.Protocol;

/// <summary>
/// <c>async</c>: Downpour, every push applied as it arrives. <c>ssp</c>: bounded staleness, a worker never starts
/// a step on parameters more than <c>staleness</c> versions behind the newest version it has heard of.
/// <c>sync</c>: rounds; each shard averages the first N pushes of a round, drops late ones, answers pulls for the
/// next round only after applying.
/// </summary>
public static class TrainingModes
{
    /// <summary>Asynchronous Downpour.</summary>
    public const string Async = "async";

    /// <summary>Stale-synchronous: bounded staleness.</summary>
    public const string Ssp = "ssp";

    /// <summary>Synchronous rounds with backup workers.</summary>
    public const string Sync = "sync";
}
