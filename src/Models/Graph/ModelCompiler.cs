// Validates a ModelSpec into a CompiledModel: names, references, cycles, shapes, the loss and data bindings.
using Dtrain.Models.Ops;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Graph;

/// <summary>Turns a parsed model file into a runnable DAG; every error names the file and the node.</summary>
public static class ModelCompiler
{
    /// <summary>Parses, validates and compiles the model file at <paramref name="path"/>.</summary>
    public static CompiledModel Load(string path) => Compile(ModelParser.ParseFile(path));

    /// <summary>Validates and compiles <paramref name="spec"/>.</summary>
    public static CompiledModel Compile(ModelSpec spec)
    {
        var file = spec.File;
        if (spec.Nodes.Count > ModelLimits.MaxNodes)
        {
            throw new ModelFileException(file, null, $"{spec.Nodes.Count:N0} nodes, more than the {ModelLimits.MaxNodes:N0} a model may have");
        }

        var values = new List<ValueInfo>();
        var valueIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var input in spec.Inputs)
        {
            if (!valueIndex.TryAdd(input.Name, values.Count))
            {
                throw new ModelFileException(file, input.Name, "duplicate id: another input has the same name");
            }

            var type = new TensorType(input.Shape, true);
            if (ModelLimits.ValueProblem(type) is { } tooLarge)
            {
                throw new ModelFileException(file, input.Name, $"input {tooLarge}");
            }

            values.Add(new ValueInfo(input.Name, type, -1, false));
        }

        // One set of every node id, so checking a reference is a lookup, not a scan of the nodes (that made compile quadratic).
        var nodeIds = spec.Nodes.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        var byId = new Dictionary<string, NodeSpec>(StringComparer.Ordinal);
        foreach (var node in spec.Nodes)
        {
            if (valueIndex.ContainsKey(node.Id) || !byId.TryAdd(node.Id, node))
            {
                throw new ModelFileException(file, node.Id, "duplicate id: another node or input has the same name");
            }

            if (!OpRegistry.TryGet(node.Op, out var op))
            {
                throw new ModelFileException(file, node.Id, $"unknown op '{node.Op}'; known ops: {string.Join(", ", OpRegistry.Names)}");
            }

            if (node.Inputs.Length < op.Arity || node.Inputs.Length > op.MaxArity)
            {
                var takes = op.MaxArity == op.Arity ? $"{op.Arity}" : op.MaxArity == int.MaxValue ? $"{op.Arity} or more" : $"{op.Arity} to {op.MaxArity}";
                throw new ModelFileException(file, node.Id, $"({node.Op}) takes {takes} input(s), got {node.Inputs.Length}");
            }

            foreach (var input in node.Inputs)
            {
                if (!valueIndex.ContainsKey(input) && !nodeIds.Contains(input))
                {
                    throw new ModelFileException(file, node.Id, $"input '{input}' names no node or model input");
                }
            }
        }

        var nodes = new List<CompiledNode>();
        var parameters = new List<ParameterInfo>();
        var offset = 0;
        foreach (var node in TopologicalOrder(spec))
        {
            var op = OpRegistry.TryGet(node.Op, out var found) ? found : throw new InvalidOperationException();
            var inputIds = node.Inputs.Select(i => valueIndex[i]).ToArray();
            var attrs = new NodeAttributes(file, node);
            OpSignature signature;
            try
            {
                signature = op.Infer(attrs, inputIds.Select(i => values[i].Type).ToList());
            }
            catch (OverflowException)
            {
                throw attrs.Error("its sizes are too large: they overflow 32-bit arithmetic");
            }

            attrs.CheckAllKnown();
            CheckSizes(attrs, node, signature, offset);
            var paramIds = new int[signature.Parameters.Count];
            for (var p = 0; p < paramIds.Length; p++)
            {
                var ps = signature.Parameters[p];
                paramIds[p] = parameters.Count;
                parameters.Add(new ParameterInfo(parameters.Count, ps.Name.Length == 0 ? node.Id : $"{node.Id}.{ps.Name}", ps, offset));
                offset = checked(offset + ps.Size);
            }

            var requiresGrad = paramIds.Length > 0 || inputIds.Any(i => values[i].RequiresGradient);
            valueIndex[node.Id] = values.Count;
            nodes.Add(new CompiledNode(node, op, inputIds, values.Count, paramIds, signature.Config, signature.Workspaces ?? []));
            values.Add(new ValueInfo(node.Id, signature.Output, nodes.Count - 1, requiresGrad));
        }

        // A program is checked first, so a bad loss in it is named by its phase even where it is the default top-level loss.
        var program = spec.Program.Count > 0 ? ProgramCompiler.Compile(spec, valueIndex, values, nodes, parameters, lossValue: -1) : null;

        // With a program the top-level loss is optional: the last phase's first loss is the one evaluated.
        spec = spec.Loss is null && ProgramCompiler.DefaultLoss(spec) is { } named ? spec with { Loss = named } : spec;
        var loss = ResolveLoss(spec, valueIndex, values, nodes);
        var output = ResolveOutput(spec, valueIndex, nodes[values[loss].Producer]);
        var features = BoundInput(spec, valueIndex, InputSource.Features);
        var labels = BoundInput(spec, valueIndex, InputSource.Labels);
        program ??= ProgramCompiler.Compile(spec, valueIndex, values, nodes, parameters, loss);
        return new CompiledModel(spec, values, nodes, parameters, loss, output, features, labels) { Program = program };
    }

    /// <summary>The node's output, parameters and workspaces against <see cref="ModelLimits"/>, counted in long.</summary>
    private static void CheckSizes(NodeAttributes attrs, NodeSpec node, OpSignature signature, long offset)
    {
        var total = offset;
        foreach (var p in signature.Parameters)
        {
            var name = p.Name.Length == 0 ? node.Id : $"{node.Id}.{p.Name}";
            var size = ModelLimits.Elements(p.Shape);
            if (p.Shape.Length > ModelLimits.MaxRank || size > ModelLimits.MaxParameterElements)
            {
                throw attrs.Error($"parameter '{name}' of shape {ModelLimits.Shape(p.Shape)} holds {ModelLimits.Count(size)} floats, "
                    + $"more than the {ModelLimits.MaxParameterElements:N0} one parameter may hold");
            }

            total += size;
            if (total > ModelLimits.MaxTotalParameters)
            {
                throw attrs.Error($"with parameter '{name}' ({ModelLimits.Shape(p.Shape)}) the model holds {total:N0} parameters, more than the {ModelLimits.MaxTotalParameters:N0} allowed");
            }
        }

        if (ModelLimits.ValueProblem(signature.Output) is { } output)
        {
            throw attrs.Error(output);
        }

        foreach (var w in signature.Workspaces ?? [])
        {
            if (w.PerExample < 0 || w.Fixed < 0 || w.PerExample > ModelLimits.MaxBatchElements || w.Fixed > ModelLimits.MaxBatchElements)
            {
                throw attrs.Error($"its scratch memory ({w.PerExample} floats per example, {w.Fixed} fixed) is negative or larger than the {ModelLimits.MaxBatchElements:N0} floats allowed");
            }
        }
    }

    private static int ResolveLoss(ModelSpec spec, Dictionary<string, int> valueIndex, List<ValueInfo> values, List<CompiledNode> nodes)
    {
        if (spec.Loss is null)
        {
            throw new ModelFileException(spec.File, null, "no loss: set \"loss\" to the id of a node that yields a scalar (e.g. softmax_cross_entropy)");
        }

        if (!valueIndex.TryGetValue(spec.Loss, out var loss) || values[loss].Producer < 0)
        {
            throw new ModelFileException(spec.File, null, $"\"loss\" names '{spec.Loss}', which is not a node");
        }

        var type = values[loss].Type;
        if (type.Batched || type.Rank != 0)
        {
            throw new ModelFileException(spec.File, spec.Loss, $"the loss must be a scalar, but this node yields {type}");
        }

        if (!nodes[values[loss].Producer].Op.IsLoss)
        {
            throw new ModelFileException(spec.File, spec.Loss, $"the loss must be a loss op ({string.Join(", ", OpRegistry.Names.Where(n => OpRegistry.TryGet(n, out var op) && op.IsLoss))})");
        }

        if (!values[loss].RequiresGradient)
        {
            throw new ModelFileException(spec.File, spec.Loss, "the loss depends on no parameter, so there is nothing to train");
        }

        return loss;
    }

    private static int ResolveOutput(ModelSpec spec, Dictionary<string, int> valueIndex, CompiledNode lossNode)
    {
        if (spec.Output is null)
        {
            return lossNode.Inputs[0];
        }

        return valueIndex.TryGetValue(spec.Output, out var v)
            ? v
            : throw new ModelFileException(spec.File, null, $"\"output\" names '{spec.Output}', which is not a node");
    }

    private static int BoundInput(ModelSpec spec, Dictionary<string, int> valueIndex, InputSource source)
    {
        var bound = spec.Inputs.Where(i => i.Source == source).ToList();
        if (bound.Count != 1)
        {
            var word = source == InputSource.Features ? "features" : "labels";
            throw new ModelFileException(spec.File, null, $"exactly one input must have source \"{word}\", found {bound.Count}");
        }

        return valueIndex[bound[0].Name];
    }

    /// <summary>Kahn's algorithm in file order; leftover nodes lie on or behind a cycle, which is named.</summary>
    private static List<NodeSpec> TopologicalOrder(ModelSpec spec)
    {
        var ids = spec.Nodes.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        var pending = spec.Nodes.ToDictionary(n => n.Id, n => n.Inputs.Count(ids.Contains), StringComparer.Ordinal);
        var consumers = spec.Nodes.SelectMany(n => n.Inputs.Where(ids.Contains).Select(i => (i, n)))
            .ToLookup(p => p.i, p => p.n, StringComparer.Ordinal);
        var ready = new Queue<NodeSpec>(spec.Nodes.Where(n => pending[n.Id] == 0));
        var order = new List<NodeSpec>();
        while (ready.Count > 0)
        {
            var node = ready.Dequeue();
            order.Add(node);
            foreach (var consumer in consumers[node.Id])
            {
                if (--pending[consumer.Id] == 0)
                {
                    ready.Enqueue(consumer);
                }
            }
        }

        if (order.Count < spec.Nodes.Count)
        {
            var cycle = FindCycle(spec, pending.Where(p => p.Value > 0).Select(p => p.Key).ToHashSet(StringComparer.Ordinal));
            // A long cycle is shown by its ends, so the error stays one readable line.
            var shown = cycle.Count <= 20 ? string.Join(" -> ", cycle) : $"{string.Join(" -> ", cycle.Take(10))} -> ... -> {string.Join(" -> ", cycle.TakeLast(5))} ({cycle.Count - 1:N0} nodes)";
            throw new ModelFileException(spec.File, cycle[0], $"cycle: {shown}");
        }

        return order;
    }

    private static List<string> FindCycle(ModelSpec spec, HashSet<string> stuck)
    {
        // Every stuck node has a stuck input, so walking inputs must revisit a node: that loop is a cycle.
        var byId = spec.Nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
        var path = new List<string>();
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        var current = spec.Nodes.First(n => stuck.Contains(n.Id)).Id;
        while (position.TryAdd(current, path.Count))
        {
            path.Add(current);
            current = byId[current].Inputs.First(stuck.Contains);
        }

        var cycle = path.Skip(position[current]).Reverse().ToList();
        cycle.Add(cycle[0]);
        return cycle;
    }
}
