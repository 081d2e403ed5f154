// Attribute reader for a word from a fixed list, such as the sampling ops' "gradient": none | straight_through.
using System.Text.Json;

namespace Dtrain.Models.Graph;

public sealed partial class NodeAttributes
{
    /// <summary>An optional string attribute that must be one of <paramref name="choices"/>; absent gives <paramref name="fallback"/>.</summary>
    public string OptionalChoice(string name, string fallback, params string[] choices)
    {
        if (!TryGet(name, out var value))
        {
            return fallback;
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return text is not null && choices.Contains(text, StringComparer.Ordinal)
            ? text
            : throw Error($"attribute '{name}' must be one of {string.Join(", ", choices)}; got {Shorten(value.GetRawText())}");
    }
}
