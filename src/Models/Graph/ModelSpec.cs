// The model file as written: inputs, nodes and their attributes, the loss, training defaults, groups and program.
using System.Text.Json;

namespace Dtrain.Models.Graph;

/// <summary>Element type of a model input.</summary>
public enum DType
{
    /// <summary>32-bit float.</summary>
    Float32,

    /// <summary>32-bit integer (class ids); carried as exact floats on devices.</summary>
    Int32,
}

/// <summary>What a model input is bound to in the data set.</summary>
public enum InputSource
{
    /// <summary>The example's features.</summary>
    Features,

    /// <summary>The example's label or target.</summary>
    Labels,
}

/// <summary>A named model input: per-example shape (no batch axis), dtype and data source.</summary>
public sealed record InputSpec(string Name, int[] Shape, DType DType, InputSource Source);

/// <summary>One DAG node: an op applied to named inputs with attributes.</summary>
public sealed record NodeSpec(string Id, string Op, string[] Inputs, JsonElement Attributes);

/// <summary>A parsed, not yet validated model file.</summary>
public sealed record ModelSpec(
    string File,
    string Name,
    IReadOnlyList<InputSpec> Inputs,
    IReadOnlyList<NodeSpec> Nodes,
    string? Loss,
    string? Output,
    TrainingSettings Training)
{
    /// <summary>Named parameter groups (<c>"groups"</c>); empty in a v1 file.</summary>
    public IReadOnlyList<GroupSpec> Groups { get; init; } = [];

    /// <summary>The training program (<c>"program"</c>); empty in a v1 file, which trains one phase.</summary>
    public IReadOnlyList<PhaseSpec> Program { get; init; } = [];

    /// <summary>The trained model whose values start the parameters (<c>"init_from"</c>); null: every initializer.</summary>
    public InitFromSpec? InitFrom { get; init; }
}
