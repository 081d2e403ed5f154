// "auto" in a model file: input shapes and dense units taken from the data's schema, written into the model text
// before it is compiled, so workers, the journal, exports and resumes all see concrete numbers.
using System.Text.Json;
using System.Text.Json.Nodes;
using Dtrain.Models.Data;

namespace Dtrain.Models.Graph;

/// <summary>
/// Resolves <c>"shape": "auto"</c> on model inputs and <c>"units": "auto"</c> on dense nodes from a
/// <see cref="DataSchema"/>: the features input takes the encoded feature shape; the labels input takes <c>[]</c>
/// (classification), <c>[targets]</c> (regression) or the feature shape (reconstruction); a dense layer's units are
/// the class count, the target width or the feature size.
/// </summary>
public static class AutoShapes
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Whether the model text declares any shape or units as <c>"auto"</c> (false for text that is not valid JSON: the parser says why).</summary>
    public static bool Has(string json)
    {
        var root = TryParse(json);
        return root is not null && (AutoInputs(root).Any() || AutoDense(root).Any());
    }

    /// <summary>
    /// The "training" section of a model file, read before the model itself can be compiled (its auto shapes wait for
    /// the data the section names); the defaults when there is none.
    /// </summary>
    public static TrainingSettings Training(string json, string file)
    {
        using var doc = ParseDocument(json, file);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            return new TrainingSettings();
        }

        var training = doc.RootElement.TryGetProperty("training", out var t) ? TrainingParser.Parse(t, file) : new TrainingSettings();
        return ProgramParser.WithProgramEpochs(training, doc.RootElement, file);
    }

    /// <summary>The model text with every <c>"auto"</c> replaced from <paramref name="schema"/>; the text unchanged when it has none.</summary>
    public static string Resolve(string json, string file, DataSchema schema)
    {
        var root = TryParse(json);
        if (root is null)
        {
            return json;
        }

        var inputs = AutoInputs(root).ToList();
        var dense = AutoDense(root).ToList();
        if (inputs.Count == 0 && dense.Count == 0)
        {
            return json;
        }

        foreach (var input in inputs)
        {
            input["shape"] = new JsonArray(ShapeFor(input, schema).Select(d => (JsonNode)JsonValue.Create(d)).ToArray());
        }

        var units = schema.Task switch
        {
            LearningTask.Classification => schema.Classes,
            LearningTask.Regression => schema.TargetWidth,
            _ => schema.FeatureSize,
        };
        if (units <= 0)
        {
            throw new ModelFileException(file, null, $"\"units\": \"auto\" needs the class count, but the {schema.Format} data has none");
        }

        foreach (var attrs in dense)
        {
            attrs["units"] = units;
        }

        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>An input is bound to the labels when it says so, or by default when its dtype is int32 (as <see cref="ModelParser"/> decides).</summary>
    private static bool IsLabels(JsonObject input)
    {
        var source = input["source"] is JsonValue s && s.TryGetValue<string>(out var sv) ? sv : null;
        var dtype = input["dtype"] is JsonValue d && d.TryGetValue<string>(out var dv) ? dv : "float32";
        return source == "labels" || (source is null && dtype == "int32");
    }

    private static int[] ShapeFor(JsonObject input, DataSchema schema) => !IsLabels(input)
        ? schema.FeatureShape
        : schema.Task switch
        {
            LearningTask.Classification => [],
            LearningTask.Regression => [schema.TargetWidth],
            _ => schema.FeatureShape,
        };

    private static IEnumerable<JsonObject> AutoInputs(JsonObject root) =>
        (root["inputs"] as JsonArray ?? []).OfType<JsonObject>().Where(i => IsAuto(i["shape"]));

    private static IEnumerable<JsonObject> AutoDense(JsonObject root) =>
        (root["nodes"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(n => n["op"] is JsonValue op && op.TryGetValue<string>(out var name) && name == "dense")
            .Select(n => n["attrs"] as JsonObject)
            .OfType<JsonObject>()
            .Where(a => IsAuto(a["units"]));

    /// <summary>Whether a field is the string <c>"auto"</c>.</summary>
    public static bool IsAuto(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) && s == "auto";

    /// <summary>Whether an attribute or shape element is the string <c>"auto"</c>.</summary>
    public static bool IsAuto(JsonElement element) => element.ValueKind == JsonValueKind.String && element.GetString() == "auto";

    private static JsonObject? TryParse(string json)
    {
        try
        {
            return JsonNode.Parse(json, documentOptions: DocumentOptions) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonDocument ParseDocument(string json, string file)
    {
        try
        {
            return JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException)
        {
            // The full parser names the line and column; this path only runs for text it will reject the same way.
            ModelParser.Parse(json, file);
            throw;
        }
    }
}
