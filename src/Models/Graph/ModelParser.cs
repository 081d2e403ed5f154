// Reads a model file's JSON into a ModelSpec, rejecting malformed structure with file- and node-named errors.
using System.Text.Json;
using Dtrain.Models.Optimizers;

namespace Dtrain.Models.Graph;

/// <summary>Parses model format v1 and v2 (groups and programs; see README, "Model format").</summary>
public static class ModelParser
{
    /// <summary>Reads and parses <paramref name="path"/>.</summary>
    public static ModelSpec ParseFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFileException(path, null, $"cannot read the file: {e.Message}");
        }

        return Parse(text, path);
    }

    /// <summary>Parses model JSON; <paramref name="file"/> names the source in errors.</summary>
    public static ModelSpec Parse(string json, string file)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}" : "";
            throw new ModelFileException(file, null, $"invalid JSON{where}: {FirstSentence(e.Message)}");
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ModelFileException(file, null, "the top level must be a JSON object with \"inputs\", \"nodes\" and \"loss\"");
            }

            var inputs = ParseInputs(root, file);
            var nodes = ParseNodes(root, file);
            var loss = OptionalString(root, "loss", file);
            var output = OptionalString(root, "output", file);
            var name = OptionalString(root, "name", file) ?? Path.GetFileNameWithoutExtension(file);
            var training = ProgramParser.WithProgramEpochs(root.TryGetProperty("training", out var t) ? TrainingParser.Parse(t, file) : new TrainingSettings(), root, file);
            return new ModelSpec(file, name, inputs, nodes, loss, output, training)
            {
                Groups = root.TryGetProperty("groups", out var groups) ? ProgramParser.ParseGroups(groups, file) : [],
                Program = root.TryGetProperty("program", out var program) ? ProgramParser.ParseProgram(program, file) : [],
                InitFrom = root.TryGetProperty("init_from", out var init) ? InitFromSpec.Parse(init, file) : null,
            };
        }
    }

    private static List<InputSpec> ParseInputs(JsonElement root, string file)
    {
        if (!root.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array || inputs.GetArrayLength() == 0)
        {
            throw new ModelFileException(file, null, "\"inputs\" must be a non-empty array of {\"name\", \"shape\", \"dtype\"}");
        }

        var result = new List<InputSpec>();
        foreach (var input in inputs.EnumerateArray())
        {
            var name = RequiredString(input, "name", file, "an input");
            if (input.TryGetProperty("shape", out var autoShape) && AutoShapes.IsAuto(autoShape))
            {
                throw new ModelFileException(file, name, AutoNeedsData("\"shape\": \"auto\""));
            }

            if (!input.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array
                || shape.EnumerateArray().Any(d => d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out var v) || v <= 0))
            {
                throw new ModelFileException(file, name, "input \"shape\" must be an array of positive integers (without the batch axis)");
            }

            var dtypeText = OptionalString(input, "dtype", file) ?? "float32";
            var dtype = dtypeText switch
            {
                "float32" => DType.Float32,
                "int32" => DType.Int32,
                _ => throw new ModelFileException(file, name, $"unknown dtype '{dtypeText}'; known: float32, int32"),
            };
            var sourceText = OptionalString(input, "source", file) ?? (dtype == DType.Int32 ? "labels" : "features");
            var source = sourceText switch
            {
                "features" => InputSource.Features,
                "labels" => InputSource.Labels,
                _ => throw new ModelFileException(file, name, $"unknown source '{sourceText}'; known: features, labels"),
            };
            result.Add(new InputSpec(name, shape.EnumerateArray().Select(d => d.GetInt32()).ToArray(), dtype, source));
        }

        return result;
    }

    private static List<NodeSpec> ParseNodes(JsonElement root, string file)
    {
        if (!root.TryGetProperty("nodes", out var nodes) || nodes.ValueKind != JsonValueKind.Array)
        {
            throw new ModelFileException(file, null, "\"nodes\" must be an array of {\"id\", \"op\", \"inputs\", \"attrs\"}");
        }

        var result = new List<NodeSpec>();
        var index = 0;
        foreach (var node in nodes.EnumerateArray())
        {
            var id = RequiredString(node, "id", file, $"node #{index}");
            var op = RequiredString(node, "op", file, $"node '{id}'");
            // A node without "inputs" takes none (a parameter node); the op's arity check says if it needs some.
            var hasInputs = node.TryGetProperty("inputs", out var ins);
            if (hasInputs && (ins.ValueKind != JsonValueKind.Array || ins.EnumerateArray().Any(i => i.ValueKind != JsonValueKind.String)))
            {
                throw new ModelFileException(file, id, "\"inputs\" must be an array of node or input names");
            }

            var attrs = node.TryGetProperty("attrs", out var a) ? a.Clone() : default;
            if (attrs.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object))
            {
                throw new ModelFileException(file, id, "\"attrs\" must be an object");
            }

            if (attrs.ValueKind == JsonValueKind.Object && attrs.TryGetProperty("units", out var units) && AutoShapes.IsAuto(units))
            {
                throw new ModelFileException(file, id, op == "dense" ? AutoNeedsData("\"units\": \"auto\"") : $"\"units\": \"auto\" is resolved only on dense nodes, not on '{op}'");
            }

            result.Add(new NodeSpec(id, op, hasInputs ? ins.EnumerateArray().Select(i => i.GetString()!).ToArray() : [], attrs));
            index++;
        }

        return result;
    }

    /// <summary>The one line for an "auto" the data has not resolved (a model checked or compiled without its data).</summary>
    private static string AutoNeedsData(string what) =>
        $"{what} is taken from the data, which was not given: train with --train PATH (or training.data.train), or check with 'dtrain check MODEL --train PATH'";

    private static string RequiredString(JsonElement obj, string field, string file, string what)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(field, out var v) || v.ValueKind != JsonValueKind.String
            || string.IsNullOrWhiteSpace(v.GetString()))
        {
            throw new ModelFileException(file, null, $"{what} needs a non-empty string \"{field}\"");
        }

        // An id is printed in tables and errors: an escape sequence in it would drive the user's terminal.
        var text = v.GetString()!;
        if (Printable.FirstHostile(text) is var at and >= 0)
        {
            throw new ModelFileException(file, null, $"{what}: \"{field}\" '{text}' has a control character at position {at + 1}; names must be printable");
        }

        return text;
    }

    private static string? OptionalString(JsonElement obj, string field, string file)
    {
        if (!obj.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : throw new ModelFileException(file, null, $"\"{field}\" must be a string, got {v.GetRawText()}");
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
