// The model file's "init_from": a trained model (.dtmodel) whose values start this model's parameters (transfer, a
// DBN's pre-trained layers), with a mapping from this model's names to the file's.
using System.Text.Json;

namespace Dtrain.Models.Graph;

/// <summary>
/// <c>"init_from": "pretrained.dtmodel"</c> or <c>{"file": "pretrained.dtmodel", "map": {"fc1": "rbm1_w"}, "strict": false}</c>.
/// <see cref="File"/> is relative to the model file; <see cref="Map"/> takes this model's parameter or node names to the
/// file's (names not mapped look for themselves); parameters the file lacks keep their initializer unless <see cref="Strict"/>.
/// </summary>
/// <param name="File">The trained model file as written in the model file.</param>
/// <param name="Map">This model's parameter or node name to the file's.</param>
/// <param name="Strict">Every parameter must take a value from the file.</param>
public sealed record InitFromSpec(string File, IReadOnlyDictionary<string, string> Map, bool Strict)
{
    /// <summary>The trained model's path: <see cref="File"/> taken from the folder of <paramref name="modelFile"/>.</summary>
    public string Resolve(string modelFile) =>
        Path.IsPathRooted(File) ? File : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelFile))!, File));

    /// <summary>Parses the <c>init_from</c> value; errors name <paramref name="file"/>.</summary>
    public static InitFromSpec Parse(JsonElement value, string file)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return new InitFromSpec(NonEmpty(value.GetString(), file), new Dictionary<string, string>(StringComparer.Ordinal), false);
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFileException(file, null, "\"init_from\" must be a trained model's path or {\"file\", \"map\", \"strict\"}");
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var strict = false;
        string? path = null;
        foreach (var field in value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "file":
                    path = NonEmpty(field.Value.ValueKind == JsonValueKind.String ? field.Value.GetString() : null, file);
                    break;
                case "strict":
                    strict = field.Value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw new ModelFileException(file, null, $"init_from: \"strict\" must be true or false, got {field.Value.GetRawText()}"),
                    };
                    break;
                case "map":
                    if (field.Value.ValueKind != JsonValueKind.Object)
                    {
                        throw new ModelFileException(file, null, "init_from: \"map\" must be an object from this model's parameter or node names to the file's");
                    }

                    foreach (var entry in field.Value.EnumerateObject())
                    {
                        if (entry.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(entry.Value.GetString())
                            || Printable.FirstHostile(entry.Name) >= 0 || Printable.FirstHostile(entry.Value.GetString()!) >= 0)
                        {
                            throw new ModelFileException(file, null, $"init_from: map entry '{Printable.Escape(entry.Name)}' must name a parameter or node of the file with a printable string");
                        }

                        map[entry.Name] = entry.Value.GetString()!;
                    }

                    break;
                default:
                    throw new ModelFileException(file, null, $"init_from: unknown field '{Printable.Escape(field.Name)}'; known: file, map, strict");
            }
        }

        return new InitFromSpec(path ?? throw new ModelFileException(file, null, "init_from needs \"file\": the trained model (.dtmodel) to start from"), map, strict);
    }

    private static string NonEmpty(string? path, string file) =>
        string.IsNullOrWhiteSpace(path) || path.Any(char.IsControl)
            ? throw new ModelFileException(file, null, "init_from: the trained model's path must be a non-empty string without control characters")
            : path;
}
