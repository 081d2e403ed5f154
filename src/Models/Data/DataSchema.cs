// How raw data became the floats a model sees: learned once from the training split, then applied unchanged to
// validation, test and prediction inputs. It travels with checkpoints and exported models.
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dtrain.Models.Data;

/// <summary>The role a source column plays.</summary>
public enum ColumnRole
{
    /// <summary>Encoded into the features.</summary>
    Feature,

    /// <summary>The label (classification) or a target (regression).</summary>
    Label,

    /// <summary>Left out (named in <c>exclude</c>).</summary>
    Excluded,
}

/// <summary>How a source column's cells are read.</summary>
public enum ColumnKind
{
    /// <summary>Numbers: <c>(x - Shift) * Scale</c>, one feature slot.</summary>
    Numeric,

    /// <summary>Text categories: one-hot over <see cref="ColumnEncoding.Categories"/>, one slot per category.</summary>
    Categorical,
}

/// <summary>
/// One column of a table (CSV, TSV, Parquet) and how it is encoded. A numeric feature fills slot <see cref="Offset"/>
/// with <c>(x - Shift) * Scale</c> (a missing cell takes <see cref="Fill"/> before that, under <c>missing: mean|zero</c>);
/// a categorical feature fills <c>Categories.Count</c> slots from <see cref="Offset"/> one-hot. A label column of a
/// classification has its categories as class names.
/// </summary>
public sealed record ColumnEncoding
{
    /// <summary>The header name, or the 0-based index as text for a file without a header.</summary>
    public required string Name { get; init; }

    /// <summary>0-based position in the file.</summary>
    public required int Index { get; init; }

    /// <summary>Feature, label or excluded.</summary>
    public required ColumnRole Role { get; init; }

    /// <summary>Numeric or categorical.</summary>
    public required ColumnKind Kind { get; init; }

    /// <summary>Categorical: the categories in sorted (ordinal) order, as found in the training split.</summary>
    public IReadOnlyList<string>? Categories { get; init; }

    /// <summary>Numeric: subtracted before scaling (the mean or minimum of the training split; 0 for none).</summary>
    public float Shift { get; init; }

    /// <summary>Numeric: multiplied after the shift (1/std or 1/(max-min); 1 for none).</summary>
    public float Scale { get; init; } = 1;

    /// <summary>Numeric: the raw value a missing cell takes (the training mean, or 0), used when <c>missing</c> is not <c>error</c>.</summary>
    public float Fill { get; init; }

    /// <summary>The first feature (or target) slot this column fills; -1 for an excluded column.</summary>
    public int Offset { get; init; } = -1;
}

/// <summary>
/// Everything needed to turn raw examples into the floats training saw: the encoded shapes, the task, class names,
/// per-column encodings (tables) or per-feature statistics (arrays, images).
/// </summary>
public sealed record DataSchema
{
    /// <summary>The schema format's version; a newer one is refused by name.</summary>
    public int Version { get; init; } = 1;

    /// <summary>The format the schema was learned from (csv, npy, images, ...).</summary>
    public required string Format { get; init; }

    /// <summary>The task.</summary>
    public required LearningTask Task { get; init; }

    /// <summary>The shape of one encoded example, e.g. <c>[13]</c> or <c>[3, 32, 32]</c> (channels first).</summary>
    public required int[] FeatureShape { get; init; }

    /// <summary>Floats per example's target: 1 (a class id) for classification, the target count for regression, the feature size for reconstruction.</summary>
    public required int TargetWidth { get; init; }

    /// <summary>Classification: class id <c>i</c> is <c>ClassNames[i]</c> (sorted order); null for other tasks.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>Tables: every source column in file order with its role and encoding; empty for arrays and images.</summary>
    public IReadOnlyList<ColumnEncoding> Columns { get; init; } = [];

    /// <summary>Whether the table files have a header row.</summary>
    public bool Header { get; init; }

    /// <summary>Arrays and images: subtracted from each raw feature (one value for all, or one per feature); null: 0.</summary>
    public float[]? FeatureShift { get; init; }

    /// <summary>Arrays and images: multiplies each shifted feature (one value for all, or one per feature); null: 1.</summary>
    public float[]? FeatureScale { get; init; }

    /// <summary>Regression: targets are trained as <c>(y - TargetShift) * TargetScale</c>; metrics undo it. Null: identity.</summary>
    public float[]? TargetShift { get; init; }

    /// <summary>Regression: see <see cref="TargetShift"/>.</summary>
    public float[]? TargetScale { get; init; }

    /// <summary>Tables: what a missing feature cell becomes when encoded: <c>error</c>, or <c>mean</c>/<c>zero</c> (the column's <see cref="ColumnEncoding.Fill"/>).</summary>
    public string Missing { get; init; } = "error";

    /// <summary>Images: colour channels of the encoded image (1 grey, 3 rgb); 0 for other formats.</summary>
    public int Channels { get; init; }

    /// <summary>
    /// Arrays (NPY, IDX): the labels file named by <c>training.data.label</c> for each training features file (full
    /// paths), so encoding finds it again; other files find theirs by name (see <c>CompanionLabels</c>). Null: none named.
    /// </summary>
    public IReadOnlyDictionary<string, string>? LabelFiles { get; init; }

    /// <summary>Images: the <c>[height, width]</c> every image is resized to; null: every image must have the schema's size.</summary>
    public int[]? Resize { get; init; }

    /// <summary>Floats per encoded example.</summary>
    [JsonIgnore]
    public int FeatureSize => FeatureShape.Aggregate(1, (size, d) => size * d);

    /// <summary>The number of classes (classification), else 0.</summary>
    [JsonIgnore]
    public int Classes => ClassNames?.Count ?? 0;

    /// <summary>
    /// The built-in MNIST set as training reads it: 784 pixels per example (28x28 grey, scaled to [0, 1] as every format
    /// scales bytes), classes "0".."9". It is the schema of a job, checkpoint or trained model that stored none (all of
    /// them trained on MNIST).
    /// </summary>
    public static DataSchema Mnist { get; } = new()
    {
        Format = "mnist",
        Task = LearningTask.Classification,
        FeatureShape = [784],
        TargetWidth = 1,
        ClassNames = [.. Enumerable.Range(0, 10).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture))],
    };

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The schema as JSON, as stored beside checkpoints and inside exported models.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Reads a schema written by <see cref="ToJson"/>; <paramref name="source"/> names where it came from in errors.</summary>
    public static DataSchema FromJson(string json, string source)
    {
        DataSchema? schema;
        try
        {
            schema = JsonSerializer.Deserialize<DataSchema>(json, Options);
        }
        catch (JsonException e)
        {
            throw new DtrainException($"{source}: the data schema is not valid: {e.Message}");
        }

        if (schema is null)
        {
            throw new DtrainException($"{source}: the data schema is empty");
        }

        if (schema.Version > 1)
        {
            throw new DtrainException($"{source}: data schema version {schema.Version} is newer than this dtrain reads (1)");
        }

        return schema;
    }
}
