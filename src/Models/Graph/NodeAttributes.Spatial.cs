// Attributes of the image ops: sizes given as one integer or as a [height, width] pair, and shape lists.
using System.Text.Json;

namespace Dtrain.Models.Graph;

public sealed partial class NodeAttributes
{
    /// <summary>A required size written <c>5</c> (both axes) or <c>[5, 3]</c> (height, width); each at least 1.</summary>
    public (int Height, int Width) RequiredPair(string name)
    {
        if (!TryGet(name, out var value))
        {
            throw Error($"missing required attribute '{name}'");
        }

        return Pair(name, value, minimum: 1);
    }

    /// <summary>An optional size written as one integer or a [height, width] pair, each at least <paramref name="minimum"/>.</summary>
    public (int Height, int Width) OptionalPair(string name, (int Height, int Width) fallback, int minimum) =>
        TryGet(name, out var value) ? Pair(name, value, minimum) : fallback;

    /// <summary>A required list of integers, e.g. a target shape <c>[16, -1]</c>.</summary>
    public int[] RequiredIntList(string name)
    {
        if (!TryGet(name, out var value))
        {
            throw Error($"missing required attribute '{name}'");
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out _)))
        {
            throw Error($"attribute '{name}' must be a list of integers, got {Shorten(value.GetRawText())}");
        }

        return value.EnumerateArray().Select(e => e.GetInt32()).ToArray();
    }

    private (int Height, int Width) Pair(string name, JsonElement value, int minimum)
    {
        var bound = $"{(minimum == 0 ? "non-negative" : $"at least {minimum}")} and at most {ModelLimits.MaxDimension:N0}";
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= minimum && n <= ModelLimits.MaxDimension)
        {
            return (n, n);
        }

        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 2
            && value[0].ValueKind == JsonValueKind.Number && value[0].TryGetInt32(out var h) && h >= minimum && h <= ModelLimits.MaxDimension
            && value[1].ValueKind == JsonValueKind.Number && value[1].TryGetInt32(out var w) && w >= minimum && w <= ModelLimits.MaxDimension)
        {
            return (h, w);
        }

        throw Error($"attribute '{name}' must be an integer or a [height, width] pair, each {bound}, got {Shorten(value.GetRawText())}");
    }
}
