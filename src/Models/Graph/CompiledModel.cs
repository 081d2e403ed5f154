// A validated model: values with inferred types, nodes in execution order, and the flat parameter layout.
using Dtrain.Models.Ops;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Graph;

/// <summary>A value of the DAG: a model input or a node's output.</summary>
/// <param name="Name">Input name or node id.</param>
/// <param name="Type">Inferred shape.</param>
/// <param name="Producer">Index of the producing node in <see cref="CompiledModel.Nodes"/>, or -1 for a model input.</param>
/// <param name="RequiresGradient">True when some parameter influences it, so backward must produce its gradient.</param>
public sealed record ValueInfo(string Name, TensorType Type, int Producer, bool RequiresGradient);

/// <summary>A node ready to run.</summary>
/// <param name="Spec">The node as written.</param>
/// <param name="Op">Its op.</param>
/// <param name="Inputs">Value indices of its inputs.</param>
/// <param name="Output">Value index of its output.</param>
/// <param name="Parameters">Indices into <see cref="CompiledModel.Parameters"/> of the parameters it owns.</param>
/// <param name="Config">Attributes parsed at inference time.</param>
/// <param name="Workspaces">Scratch buffers the op asked for.</param>
public sealed record CompiledNode(NodeSpec Spec, Op Op, int[] Inputs, int Output, int[] Parameters, object? Config, IReadOnlyList<WorkspaceSpec> Workspaces);

/// <summary>One parameter tensor and where it sits in the flat parameter vector.</summary>
/// <param name="Index">Position in <see cref="CompiledModel.Parameters"/> (the tensor id on the wire).</param>
/// <param name="Name">Full name, e.g. <c>fc1.weight</c>.</param>
/// <param name="Spec">Shape and initializer.</param>
/// <param name="Offset">First float in the flat vector.</param>
public sealed record ParameterInfo(int Index, string Name, ParameterSpec Spec, int Offset)
{
    /// <summary>Number of floats.</summary>
    public int Size => Spec.Size;
}

/// <summary>The output of <see cref="ModelCompiler"/>: everything the executor and the cluster need.</summary>
public sealed record CompiledModel(
    ModelSpec Spec,
    IReadOnlyList<ValueInfo> Values,
    IReadOnlyList<CompiledNode> Nodes,
    IReadOnlyList<ParameterInfo> Parameters,
    int LossValue,
    int OutputValue,
    int FeatureInput,
    int LabelInput)
{
    private TrainingProgram? _program;

    /// <summary>Groups and phases (<see cref="TrainingProgram"/>); a v1 model has one group and one phase.</summary>
    public TrainingProgram Program
    {
        get => _program ?? throw new InvalidOperationException("the model was built without its program");
        init => _program = value;
    }

    /// <summary>Total floats over all parameters.</summary>
    public int ParameterCount => Parameters.Count == 0 ? 0 : Parameters[^1].Offset + Parameters[^1].Size;

    /// <summary>Floats per example of the feature input.</summary>
    public int FeatureSize => Values[FeatureInput].Type.Size;

    /// <summary>Floats per example of the label input.</summary>
    public int LabelSize => Values[LabelInput].Type.Size;

    /// <summary>Fills a flat parameter vector with every parameter's initializer, deterministically for <paramref name="seed"/>.</summary>
    public float[] InitialParameters(int seed)
    {
        var flat = new float[ParameterCount];
        foreach (var p in Parameters)
        {
            // One generator per tensor, seeded by its index, so adding a layer does not reshuffle the others.
            // The mix is spelled out because HashCode.Combine is randomized per process, and every process
            // (and every later run with the same seed) must build the same model.
            var rng = new Random(unchecked((seed * 1_000_003) + (p.Index * 7_919) + 0x5eed));
            p.Spec.Init.Fill(flat.AsSpan(p.Offset, p.Size), p.Spec.FanIn, p.Spec.FanOut, rng);
        }

        return flat;
    }
}
