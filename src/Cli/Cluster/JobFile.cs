// A job file for dtrain submit: which model to train and the train flags to use, so a run can be kept in a file.
using System.Globalization;
using System.Text.Json;
using Dtrain.Models;

namespace Dtrain.Cli.Cluster;

/// <summary>
/// Reads <c>{"model": "mnist-mlp.json", "flags": {"epochs": 3, "ps-shards": 2}, "data": {"train": "a.csv"}}</c>: the
/// model and data paths are relative to the job file, each flag becomes <c>--name value</c> ahead of the command
/// line's own flags (which win), and each data field its train flag (<c>--train</c>, <c>--label</c>, ...).
/// </summary>
public static class JobFile
{
    /// <summary>True when <paramref name="path"/> is a job file rather than a model file (it names a model, has no nodes).</summary>
    public static bool IsJobFile(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String
                && !doc.RootElement.TryGetProperty("nodes", out _);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return false; // the model loader reports what is wrong with it
        }
    }

    /// <summary>Largest job file read: a model path and a few flags.</summary>
    public const long MaxBytes = 1 << 20;

    /// <summary>The model file and the flags a job file names; errors name the file and the field.</summary>
    public static (string ModelFile, List<string> Flags) Read(string path)
    {
        var info = new FileInfo(path);
        if (info.Length > MaxBytes)
        {
            throw new DtrainException($"{path}: {info.Length:N0} bytes; a job file may hold at most {MaxBytes:N0}");
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>
    /// Reads job file text; <paramref name="path"/> names it in errors and anchors a relative model path. Anything but
    /// an object with a model path and an object of string or number flags is one <see cref="DtrainException"/> line.
    /// </summary>
    public static (string ModelFile, List<string> Flags) Parse(string text, string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new DtrainException($"{path}: not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message.Split('.')[0]}");
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var modelField) || modelField.ValueKind != JsonValueKind.String)
            {
                throw new DtrainException($"{path}: a job file is an object with \"model\" (the model file's path) and optional \"flags\"");
            }

            var model = modelField.GetString()!;
            if (model.Length is 0 or > 4096 || model.Any(char.IsControl))
            {
                throw new DtrainException($"{path}: \"model\" must be a file path (1-4096 characters, no control characters)");
            }

            string modelPath, folder;
            try
            {
                folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
                modelPath = Path.IsPathRooted(model) ? model : Path.Combine(folder, model);
            }
            catch (Exception e) when (e is ArgumentException or PathTooLongException or NotSupportedException)
            {
                throw new DtrainException($"{path}: \"model\" is not a usable path: {e.Message}");
            }

            var flags = new List<string>();
            if (root.TryGetProperty("flags", out var section))
            {
                if (section.ValueKind != JsonValueKind.Object)
                {
                    throw new DtrainException($"{path}: \"flags\" must be an object of flag names and values");
                }

                foreach (var flag in section.EnumerateObject())
                {
                    var name = flag.Name.StartsWith("--", StringComparison.Ordinal) ? flag.Name[2..] : flag.Name;
                    if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
                    {
                        throw new DtrainException($"{path}: flags holds a name that is not a flag (letters, digits and '-', at most 64)");
                    }

                    var value = flag.Value.ValueKind switch
                    {
                        JsonValueKind.String => flag.Value.GetString()!,
                        JsonValueKind.Number => flag.Value.GetDouble().ToString(CultureInfo.InvariantCulture),
                        _ => throw new DtrainException($"{path}: flags.{name} must be a string or a number"),
                    };
                    // A data path, like the model's, is taken from the job file's folder: the job file travels with its data.
                    if (TrainData.PathFlags.Contains("--" + name) && value.Length > 0 && !Path.IsPathRooted(value))
                    {
                        value = Path.Combine(folder, value);
                    }

                    flags.AddRange(["--" + name, value]);
                }
            }

            if (root.TryGetProperty("data", out var data))
            {
                flags.AddRange(DataFlags(data, path));
            }

            return (modelPath, flags);
        }
    }

    /// <summary>The job file's fields of <c>"data"</c> and the train flag each becomes.</summary>
    private static readonly (string Field, string Flag, bool IsPath)[] DataFields =
    [
        ("train", "--train", true), ("test", "--test", true), ("validation", "--validation", true),
        ("validation_split", "--validation-split", false), ("label", "--label", false), ("task", "--task", false), ("format", "--format", false),
    ];

    /// <summary>
    /// <c>"data": {"train": "weather.csv", "label": "weather", "validation_split": 0.1}</c>: the data flags, over the
    /// model file's <c>training.data</c> field by field; paths are taken from the job file's folder.
    /// </summary>
    private static IEnumerable<string> DataFlags(JsonElement data, string path)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            throw new DtrainException($"{path}: \"data\" must be an object with some of {string.Join(", ", DataFields.Select(f => f.Field))}");
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var flags = new List<string>();
        foreach (var field in data.EnumerateObject())
        {
            var known = DataFields.FirstOrDefault(f => f.Field == field.Name);
            if (known.Flag is null)
            {
                throw new DtrainException($"{path}: unknown field data.{Printable.Of(field.Name)}; known: {string.Join(", ", DataFields.Select(f => f.Field))}");
            }

            var value = field.Value.ValueKind switch
            {
                JsonValueKind.String when !known.IsPath || field.Value.GetString()!.Length is > 0 and <= 4096 => field.Value.GetString()!,
                JsonValueKind.Number when !known.IsPath => field.Value.GetDouble().ToString(CultureInfo.InvariantCulture),
                _ => throw new DtrainException($"{path}: data.{field.Name} must be {(known.IsPath ? "a path (1-4096 characters)" : "a string or a number")}"),
            };
            flags.AddRange([known.Flag, known.IsPath ? Path.GetFullPath(Path.Combine(folder, value)) : value]);
        }

        return flags;
    }
}
