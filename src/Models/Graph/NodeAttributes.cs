// Typed access to a node's "attrs" object, with errors that name the node and the attribute.
using System.Globalization;
using System.Text.Json;
using Dtrain.Models.Backends;
using Dtrain.Models.Initializers;

namespace Dtrain.Models.Graph;

/// <summary>Reads a node's attributes during shape inference; every problem names file, node and attribute.</summary>
public sealed partial class NodeAttributes
{
    private readonly NodeSpec _node;
    private readonly string _file;

    // Every attribute name the op asked for, present or not: what the op knows, so anything else is a typo.
    private readonly HashSet<string> _asked = new(StringComparer.Ordinal);

    /// <summary>Wraps the attributes of <paramref name="node"/> in <paramref name="file"/>.</summary>
    public NodeAttributes(string file, NodeSpec node)
    {
        _file = file;
        _node = node;
    }

    /// <summary>An error about this node.</summary>
    public ModelFileException Error(string problem) => new(_file, _node.Id, $"({_node.Op}) {problem}");

    /// <summary>A required positive integer attribute.</summary>
    public int RequiredPositiveInt(string name)
    {
        if (!TryGet(name, out var value))
        {
            throw Error($"missing required attribute '{name}'");
        }

        return PositiveInt(name, value);
    }

    /// <summary>An optional positive integer attribute.</summary>
    public int OptionalPositiveInt(string name, int fallback) => TryGet(name, out var v) ? PositiveInt(name, v) : fallback;

    /// <summary>An optional finite number attribute.</summary>
    public float OptionalFloat(string name, float fallback) => OptionalFloat(name, fallback, _ => true, "a finite number");

    /// <summary>An optional number attribute greater than zero (an epsilon).</summary>
    public float OptionalPositiveFloat(string name, float fallback) => OptionalFloat(name, fallback, x => x > 0f, "a positive number");

    /// <summary>An optional number attribute in [<paramref name="min"/>, <paramref name="max"/>], or [min, max) when <paramref name="maxExclusive"/>.</summary>
    public float OptionalFloatInRange(string name, float fallback, float min, float max, bool maxExclusive = false) =>
        OptionalFloat(
            name,
            fallback,
            x => x >= min && (maxExclusive ? x < max : x <= max),
            string.Create(CultureInfo.InvariantCulture, $"a number in [{min}, {max}{(maxExclusive ? ")" : "]")}"));

    /// <summary>An optional boolean attribute.</summary>
    public bool OptionalBool(string name, bool fallback)
    {
        if (!TryGet(name, out var value))
        {
            return fallback;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error($"attribute '{name}' must be true or false, got {Shorten(value.GetRawText())}"),
        };
    }

    /// <summary>An optional activation by name: <c>relu</c>, <c>sigmoid</c>, <c>tanh</c>, or <c>none</c> (null, as when absent).</summary>
    public Activation? OptionalActivation(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return text switch
        {
            "relu" => Activation.Relu,
            "sigmoid" => Activation.Sigmoid,
            "tanh" => Activation.Tanh,
            "none" => null,
            _ => throw Error($"attribute '{name}' must be one of relu, sigmoid, tanh, none; got {Shorten(value.GetRawText())}"),
        };
    }

    /// <summary>An optional initializer: a name (<c>"he_normal"</c>) or an object (<c>{"type": "uniform", "scale": 0.1}</c>).</summary>
    public Initializer OptionalInitializer(string name, Initializer fallback)
    {
        if (!TryGet(name, out var value))
        {
            return fallback;
        }

        try
        {
            return Initializer.Parse(value);
        }
        catch (DtrainException e)
        {
            throw Error($"attribute '{name}': {e.Message}");
        }
    }

    private float OptionalFloat(string name, float fallback, Func<float, bool> valid, string what)
    {
        if (!TryGet(name, out var value))
        {
            return fallback;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetSingle(out var x) || !float.IsFinite(x) || !valid(x))
        {
            throw Error($"attribute '{name}' must be {what}, got {Shorten(value.GetRawText())}");
        }

        return x;
    }

    private int PositiveInt(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var n) || n <= 0 || n > ModelLimits.MaxDimension)
        {
            throw Error($"attribute '{name}' must be a positive integer of at most {ModelLimits.MaxDimension:N0}, got {Shorten(value.GetRawText())}");
        }

        return n;
    }

    private bool TryGet(string name, out JsonElement value)
    {
        _asked.Add(name);
        value = default;
        return _node.Attributes.ValueKind == JsonValueKind.Object && _node.Attributes.TryGetProperty(name, out value);
    }

    /// <summary>
    /// Refuses an attribute the op never asked for (a typo such as <c>unitz</c> would otherwise be ignored silently),
    /// suggesting the nearest name the op knows. Called after shape inference, once the op has asked for all of its.
    /// </summary>
    public void CheckAllKnown()
    {
        if (_node.Attributes.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var property in _node.Attributes.EnumerateObject())
        {
            if (_asked.Contains(property.Name))
            {
                continue;
            }

            var name = Shorten(property.Name);
            if (_asked.Count == 0)
            {
                throw Error($"unknown attribute '{name}': this op takes no attributes");
            }

            var known = _asked.Order(StringComparer.Ordinal).ToList();
            var nearest = known.MinBy(k => EditDistance(k, property.Name))!;
            var hint = EditDistance(nearest, property.Name) <= Math.Max(2, nearest.Length / 3) ? $" (did you mean '{nearest}'?)" : "";
            throw Error($"unknown attribute '{name}'{hint}; known: {string.Join(", ", known)}");
        }
    }

    /// <summary>A raw value cut to a readable length: a hostile file may hold megabytes in one attribute.</summary>
    private static string Shorten(string text) => text.Length <= 80 ? text : $"{text[..80]}... ({text.Length:N0} characters)";

    /// <summary>Levenshtein distance, enough to find the name a typo meant among an op's few attributes.</summary>
    private static int EditDistance(string a, string b)
    {
        if (a.Length > 64 || b.Length > 64)
        {
            return int.MaxValue;
        }

        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }
}
