// A job file for dtrain submit: which model to train and the train flags to use, so a run can be kept in a file.
using System.Globalization;
using System.Text.Json;
using Dtrain.Models;

namespace Dtrain.Cli.Cluster;

/// <summary>
/// Reads <c>{"model": "mnist-mlp.json", "flags": {"epochs": 3, "ps-shards": 2}}</c>: the model path is relative to
/// the job file, each flag becomes <c>--name value</c> ahead of the command line's own flags (which win).
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

    /// <summary>The model file and the flags a job file names; errors name the file and the field.</summary>
    public static (string ModelFile, List<string> Flags) Read(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        var model = root.GetProperty("model").GetString()!;
        var modelPath = Path.IsPathRooted(model) ? model : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, model);
        var flags = new List<string>();
        if (root.TryGetProperty("flags", out var section))
        {
            if (section.ValueKind != JsonValueKind.Object)
            {
                throw new DtrainException($"{path}: \"flags\" must be an object of flag names and values");
            }

            foreach (var flag in section.EnumerateObject())
            {
                var value = flag.Value.ValueKind switch
                {
                    JsonValueKind.String => flag.Value.GetString()!,
                    JsonValueKind.Number => flag.Value.GetDouble().ToString(CultureInfo.InvariantCulture),
                    _ => throw new DtrainException($"{path}: flags.{flag.Name} must be a string or a number"),
                };
                flags.AddRange([flag.Name.StartsWith("--", StringComparison.Ordinal) ? flag.Name : "--" + flag.Name, value]);
            }
        }

        return (modelPath, flags);
    }
}
