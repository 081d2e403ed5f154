// What one job of dtrain-bench faults ended with: from the client's exit and the summary file the job wrote.
using System.Text.Json;

namespace Dtrain.Bench.Faults;

/// <summary>
/// The end of one job. <see cref="Completed"/>: the client exited 0 (the job reported success).
/// <see cref="StepsInJob"/> is the steps the job counts as trained; <see cref="StepsApplied"/> the lowest shard
/// version, i.e. the updates the final parameters actually carry; <see cref="StepsRetrained"/> the steps the job
/// says it trained again after resuming from a checkpoint. Null where the summary did not say.
/// </summary>
public sealed record JobOutcome(
    bool Completed,
    double WallSeconds,
    double? Accuracy,
    long? StepsInJob,
    long? StepsApplied,
    long? StepsRetrained,
    bool EveryPartitionTrained,
    int Restarts,
    string Note)
{
    /// <summary>
    /// Steps the bench saw trained and then trained again: at each resume, the steps the client had seen counted
    /// before it minus the step of the checkpoint resumed from (partitions cut short by a fault not included, so a
    /// lower bound). Null when the job never resumed. Beside <see cref="StepsRetrained"/>, what the job says.
    /// </summary>
    public long? StepsRetrainedSeen { get; init; }

    /// <summary>A job that did not report success: <paramref name="note"/> says why.</summary>
    public static JobOutcome Failed(double wallSeconds, int restarts, string note) =>
        new(false, wallSeconds, null, null, null, null, false, restarts, note);

    /// <summary>
    /// Reads the summary <c>dtrain submit --summary</c> wrote. Fields an older dtrain does not write (steps, shard
    /// versions) stay null rather than failing the run.
    /// </summary>
    public static JobOutcome FromSummary(string json, double wallSeconds, int restarts)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        long? Long(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;

        long? applied = null;
        if (root.TryGetProperty("shards", out var shards) && shards.ValueKind == JsonValueKind.Array && shards.GetArrayLength() > 0)
        {
            applied = shards.EnumerateArray().Min(s => Long(s, "version") ?? 0);
        }

        var everyPartition = true;
        if (root.TryGetProperty("history", out var history))
        {
            foreach (var epoch in history.EnumerateArray())
            {
                everyPartition &= Long(epoch, "partitions_trained") == Long(epoch, "partitions");
            }
        }

        var resumed = Long(root, "resumed_from") ?? -1;
        return new JobOutcome(
            true,
            wallSeconds,
            root.GetProperty("test_accuracy").GetDouble(),
            Long(root, "steps"),
            applied,
            Long(root, "lost_steps"),
            everyPartition,
            restarts,
            resumed >= 0 ? $"resumed from checkpoint {resumed}" : "");
    }
}
