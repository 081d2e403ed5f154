// What a cluster worker needs to read a job's data itself: the user's data settings (paths as the nodes see them),
// the schema the coordinator learned, and the seed that chose the validation split. It travels inside JoinJob.
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dtrain.Models.Data;

/// <summary>
/// A job's data as its workers read it: <see cref="Spec"/> says where the files are, <see cref="Schema"/> how each row
/// is encoded, <see cref="Seed"/> which training rows the seeded validation split held out
/// (<see cref="ValidationSplit.TrainingRows"/>). Each worker encodes the
/// files itself; the coordinator hands out only indices into its training rows.
/// </summary>
/// <param name="Spec">The job's <c>training.data</c> after flags (paths as every node sees them).</param>
/// <param name="Schema">The schema learned from the training split by the coordinator.</param>
/// <param name="Seed">The job's seed (the validation split's).</param>
/// <param name="Rows">The rows the coordinator found in the training files (validation rows included): a worker that
/// finds another count sees other files at the same path.</param>
public sealed record JobData(DataSpec Spec, DataSchema Schema, int Seed, long Rows)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The descriptor as one JSON object: <c>{"spec": {...}, "schema": {...}, "seed": 7}</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(
        new Wire(JsonSerializer.SerializeToElement(Spec, Options), JsonDocument.Parse(Schema.ToJson()).RootElement, Seed, Rows),
        Options);

    /// <summary>Reads <see cref="ToJson"/>'s text; <paramref name="source"/> names where it came from in errors.</summary>
    public static JobData FromJson(string json, string source)
    {
        Wire? wire;
        try
        {
            wire = JsonSerializer.Deserialize<Wire>(json, Options);
        }
        catch (JsonException e)
        {
            throw new DtrainException($"{source}: the job's data description is not valid: {e.Message}");
        }

        if (wire is null)
        {
            throw new DtrainException($"{source}: the job's data description is empty");
        }

        var spec = wire.Spec.Deserialize<DataSpec>(Options) ?? throw new DtrainException($"{source}: the job's data description has no spec");
        return new JobData(spec, DataSchema.FromJson(wire.Schema.GetRawText(), source), wire.Seed, wire.Rows);
    }

    private sealed record Wire(JsonElement Spec, JsonElement Schema, int Seed, long Rows);
}
