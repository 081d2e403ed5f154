// Attribute readers for shapes, axes and integer lists, used by the atomic tensor ops.
using System.Text.Json;

namespace Dtrain.Models.Graph;

public sealed partial class NodeAttributes
{
    /// <summary>A required shape: an array of positive integers (empty for a scalar).</summary>
    public int[] RequiredShape(string name)
    {
        var dims = OptionalIntArray(name) ?? throw Error($"missing required attribute '{name}'");
        return dims.All(d => d > 0 && d <= ModelLimits.MaxDimension) && dims.Length <= ModelLimits.MaxRank
            ? dims
            : throw Error($"attribute '{name}' must be an array of at most {ModelLimits.MaxRank} positive integers, each at most {ModelLimits.MaxDimension:N0}, got {Shorten(string.Join(", ", dims))}");
    }

    /// <summary>An optional integer attribute of any sign, or null when absent.</summary>
    public int? OptionalInt(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n)
            ? n
            : throw Error($"attribute '{name}' must be an integer, got {Shorten(value.GetRawText())}");
    }

    /// <summary>An optional array of integers, or null when absent.</summary>
    public int[]? OptionalIntArray(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(d => d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out _)))
        {
            throw Error($"attribute '{name}' must be an array of integers, got {Shorten(value.GetRawText())}");
        }

        return value.EnumerateArray().Select(d => d.GetInt32()).ToArray();
    }

    /// <summary>
    /// An axis of a per-example shape of rank <paramref name="rank"/> (the batch axis is not counted), in
    /// [0, rank) or counted from the end as -1 ... -rank, returned in [0, rank). Absent: <paramref name="fallback"/>
    /// when given, else an error.
    /// </summary>
    public int Axis(string name, int rank, int? fallback = null)
    {
        var axis = OptionalInt(name) ?? fallback ?? throw Error($"missing required attribute '{name}'");
        if (axis < -rank || axis >= rank)
        {
            var range = rank == 0 ? "none: the input has no per-example axes" : $"0 ... {rank - 1} or -{rank} ... -1";
            throw Error($"attribute '{name}' is {axis}, but the per-example axes of a rank-{rank} input are {range} (the batch axis is not counted)");
        }

        return axis < 0 ? axis + rank : axis;
    }
}
