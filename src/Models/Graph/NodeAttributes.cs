// Typed access to a node's "attrs" object, with errors that name the node and the attribute.
using System.Text.Json;
using Dtrain.Models.Initializers;

namespace Dtrain.Models.Graph;

/// <summary>Reads a node's attributes during shape inference; every problem names file, node and attribute.</summary>
public sealed partial class NodeAttributes
{
    private readonly NodeSpec _node;
    private readonly string _file;

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
            _ => throw Error($"attribute '{name}' must be true or false, got {value.GetRawText()}"),
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

    private int PositiveInt(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var n) || n <= 0)
        {
            throw Error($"attribute '{name}' must be a positive integer, got {value.GetRawText()}");
        }

        return n;
    }

    private bool TryGet(string name, out JsonElement value)
    {
        value = default;
        return _node.Attributes.ValueKind == JsonValueKind.Object && _node.Attributes.TryGetProperty(name, out value);
    }
}
