// A job's first parameter values: every initializer, then the values "init_from" takes from a trained model file,
// checked against that file (its checksum, its model, each tensor's shape) with one line naming the file and parameter.
using Dtrain.Models;
using Dtrain.Models.Graph;

namespace Dtrain.Protocol.Persistence;

/// <summary>Applies a model's <see cref="InitFromSpec"/>: which parameter takes which of the file's tensors.</summary>
public static class PretrainedParameters
{
    /// <summary>One parameter of this model started from one tensor of the file.</summary>
    /// <param name="Parameter">This model's parameter name.</param>
    /// <param name="Source">The file's parameter name.</param>
    public sealed record Transfer(string Parameter, string Source);

    /// <summary>
    /// The flat parameter vector a new job starts from: <see cref="CompiledModel.InitialParameters"/> for
    /// <paramref name="seed"/>, with the tensors <c>init_from</c> names copied in from its file.
    /// </summary>
    public static float[] Initial(CompiledModel model, int seed)
    {
        var flat = model.InitialParameters(seed);
        if (model.Spec.InitFrom is not null)
        {
            Apply(model, flat);
        }

        return flat;
    }

    /// <summary>
    /// Copies the file's tensors into <paramref name="flat"/> (this model's layout) and says which; a model without
    /// <c>init_from</c> copies nothing. Reads and checks the whole file: call it before a job starts to fail early.
    /// </summary>
    public static IReadOnlyList<Transfer> Apply(CompiledModel model, Span<float> flat)
    {
        if (model.Spec.InitFrom is not { } init)
        {
            return [];
        }

        var modelFile = model.Spec.File;
        var path = init.Resolve(modelFile);
        TrainedModel trained;
        CompiledModel source;
        try
        {
            // Read checks the magic, the format and the CRC-64 over the whole file before anything in it is used.
            trained = TrainedModel.Read(path);
            source = ModelCompiler.Compile(ModelParser.Parse(trained.ModelJson, $"{path} ({trained.ModelFile})"));
        }
        catch (DtrainException e)
        {
            throw new DtrainException($"{modelFile}: init_from: {e.Message}");
        }

        if (trained.Parameters.Length != source.ParameterCount)
        {
            throw new DtrainException($"{modelFile}: init_from: {path}: holds {trained.Parameters.Length:N0} parameters, but its model needs {source.ParameterCount:N0}");
        }

        var pairs = Pairs(model, source, init, modelFile, path);
        var transfers = new List<Transfer>();
        foreach (var p in model.Parameters)
        {
            if (!pairs.TryGetValue(p.Name, out var from))
            {
                if (init.Strict)
                {
                    throw new DtrainException($"{modelFile}: init_from {path} (strict): parameter '{p.Name}' has no value in the file; map it to one of the file's parameters or drop \"strict\"");
                }

                continue; // keeps its initializer
            }

            if (!from.Spec.Shape.SequenceEqual(p.Spec.Shape))
            {
                throw new DtrainException($"{modelFile}: init_from {path}: parameter '{p.Name}' is [{string.Join(", ", p.Spec.Shape)}] here, but '{from.Name}' is [{string.Join(", ", from.Spec.Shape)}] in the file");
            }

            trained.Parameters.AsSpan(from.Offset, from.Size).CopyTo(flat.Slice(p.Offset, p.Size));
            transfers.Add(new Transfer(p.Name, from.Name));
        }

        return transfers;
    }

    /// <summary>
    /// This model's parameter name to the file's parameter. A map entry from a parameter takes the file's parameter of
    /// that name (or the only parameter of the file's node of that name); one from a node takes, for each of the node's
    /// parameters, the file node's parameter with the same suffix (<c>fc1.weight</c> to <c>enc.weight</c>), else the one
    /// at the same position (a dense node's weight to a <c>parameter</c> node). Every other parameter looks for its own name.
    /// </summary>
    private static Dictionary<string, ParameterInfo> Pairs(CompiledModel model, CompiledModel source, InitFromSpec init, string modelFile, string path)
    {
        var sourceParameters = source.Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var sourceNodes = source.Nodes.Where(n => n.Parameters.Length > 0).ToDictionary(n => n.Spec.Id, StringComparer.Ordinal);
        var parameters = model.Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var nodes = model.Nodes.ToDictionary(n => n.Spec.Id, StringComparer.Ordinal);
        var pairs = new Dictionary<string, ParameterInfo>(StringComparer.Ordinal);
        foreach (var p in model.Parameters)
        {
            if (sourceParameters.TryGetValue(p.Name, out var same))
            {
                pairs[p.Name] = same;
            }
        }

        foreach (var (from, to) in init.Map)
        {
            if (parameters.TryGetValue(from, out var parameter))
            {
                pairs[parameter.Name] = sourceParameters.GetValueOrDefault(to)
                    ?? (sourceNodes.TryGetValue(to, out var single) && single.Parameters.Length == 1 ? source.Parameters[single.Parameters[0]] : null)
                    ?? throw Unknown(modelFile, path, from, to, source);
                continue;
            }

            if (!nodes.TryGetValue(from, out var node) || node.Parameters.Length == 0)
            {
                throw new DtrainException($"{modelFile}: init_from: map entry '{from}' names no parameter of this model, nor a node with parameters");
            }

            if (!sourceNodes.TryGetValue(to, out var sourceNode))
            {
                throw Unknown(modelFile, path, from, to, source);
            }

            for (var i = 0; i < node.Parameters.Length; i++)
            {
                var own = model.Parameters[node.Parameters[i]];
                var suffix = own.Name.Length > from.Length ? own.Name[from.Length..] : "";
                if (sourceParameters.TryGetValue(to + suffix, out var bySuffix) && sourceNode.Parameters.Contains(bySuffix.Index))
                {
                    pairs[own.Name] = bySuffix;
                }
                else if (i < sourceNode.Parameters.Length)
                {
                    pairs[own.Name] = source.Parameters[sourceNode.Parameters[i]];
                }
                else
                {
                    pairs.Remove(own.Name); // a mapped node's parameter the file's node lacks: not its namesake elsewhere
                }
            }
        }

        return pairs;
    }

    private static DtrainException Unknown(string modelFile, string path, string from, string to, CompiledModel source) =>
        new($"{modelFile}: init_from {path}: '{from}' maps to '{to}', which names no parameter or node with parameters in the file (it has {string.Join(", ", source.Parameters.Take(8).Select(p => p.Name))}{(source.Parameters.Count > 8 ? ", ..." : "")})");
}
