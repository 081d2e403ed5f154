// Checks a model file's groups and program against its compiled DAG and builds the TrainingProgram; every error
// is one line naming the file and the phase or group at fault.
using System.Text.RegularExpressions;
using Dtrain.Models.Ops;

namespace Dtrain.Models.Graph;

/// <summary>Compiles <see cref="ModelSpec.Groups"/> and <see cref="ModelSpec.Program"/> into a <see cref="TrainingProgram"/>.</summary>
internal static class ProgramCompiler
{
    /// <summary>The op a learning rule needs its loss nodes to be (backprop takes any loss op).</summary>
    private static readonly Dictionary<string, string> RuleOps = new(StringComparer.Ordinal)
    {
        ["cd"] = "rbm",
        ["hebbian"] = "hopfield",
        ["perceptron"] = "perceptron",
    };

    /// <summary>
    /// The loss a model without a top-level <c>"loss"</c> takes: the last phase's first loss (null without a program).
    /// </summary>
    public static string? DefaultLoss(ModelSpec spec) => spec.Program.Count == 0 ? null : spec.Program[^1].Steps[0].Loss[0];

    /// <summary>Builds the program of <paramref name="spec"/>; <paramref name="lossValue"/> is the model's top-level loss.</summary>
    public static TrainingProgram Compile(
        ModelSpec spec, IReadOnlyDictionary<string, int> valueIndex, IReadOnlyList<ValueInfo> values, IReadOnlyList<CompiledNode> nodes,
        IReadOnlyList<ParameterInfo> parameters, int lossValue)
    {
        var file = spec.File;
        var (groups, groupOf) = Groups(spec, nodes, parameters);
        if (spec.Program.Count == 0)
        {
            // v1 (or groups without a program): one phase over the model's loss, updating every group not frozen.
            var mask = groups.Count == 1 && !groups[0].Frozen ? TrainingProgram.AllGroups : Trainable(groups, null, file, "the model's loss");
            var single = new TrainingPhase(0, "train", 1, Math.Max(1, spec.Training.Epochs), "backprop", [new SubStep([lossValue], mask, 1)]);
            return new TrainingProgram(groups, groupOf, [single], written: false);
        }

        var phases = new List<TrainingPhase>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var epoch = 1;
        foreach (var phase in spec.Program)
        {
            var where = $"program phase '{phase.Name}'";
            if (!names.Add(phase.Name))
            {
                throw new ModelFileException(file, null, $"{where}: another phase has the same name");
            }

            var steps = new List<SubStep>();
            foreach (var step in phase.Steps)
            {
                var losses = step.Loss.Select(l => Loss(l, phase, valueIndex, values, nodes, file, where)).ToArray();
                if (losses.Distinct().Count() != losses.Length)
                {
                    throw new ModelFileException(file, null, $"{where}: a loss is named twice in one step");
                }

                steps.Add(new SubStep(losses, Trainable(groups, step.Groups, file, where), step.Repeat));
            }

            phases.Add(new TrainingPhase(phases.Count, phase.Name, epoch, phase.Epochs, phase.Rule, steps));
            epoch = checked(epoch + phase.Epochs);
        }

        return new TrainingProgram(groups, groupOf, phases, written: true);
    }

    private static (List<ParameterGroup> Groups, int[] GroupOf) Groups(ModelSpec spec, IReadOnlyList<CompiledNode> nodes, IReadOnlyList<ParameterInfo> parameters)
    {
        var file = spec.File;
        if (spec.Groups.Count + 1 > TrainingProgram.MaxGroups)
        {
            throw new ModelFileException(file, null, $"{spec.Groups.Count} groups, more than the {TrainingProgram.MaxGroups - 1} a model may name (a push names its groups in one 64-bit mask, one bit kept for 'default')");
        }

        // A node id takes all of that node's parameters; a parameter name takes itself.
        var ownerId = new string[parameters.Count];
        foreach (var node in nodes)
        {
            foreach (var p in node.Parameters)
            {
                ownerId[p] = node.Spec.Id;
            }
        }

        var groupOf = new int[parameters.Count];
        var result = new List<ParameterGroup> { new("default", [], false, OptimizerOverride.None) };
        var names = new HashSet<string>(StringComparer.Ordinal) { "default" };
        foreach (var g in spec.Groups)
        {
            if (!names.Add(g.Name))
            {
                throw new ModelFileException(file, null, g.Name == "default"
                    ? "group 'default' is the implicit group of the parameters in no group; give yours another name"
                    : $"group '{g.Name}': another group has the same name");
            }

            CheckOptimizer(spec, g);
            var index = result.Count;
            var members = new List<int>();
            foreach (var pattern in g.Params)
            {
                var glob = Glob(pattern);
                var matched = false;
                foreach (var p in parameters)
                {
                    if (!glob.IsMatch(p.Name) && !glob.IsMatch(ownerId[p.Index]))
                    {
                        continue;
                    }

                    matched = true;
                    if (groupOf[p.Index] != 0 && groupOf[p.Index] != index)
                    {
                        throw new ModelFileException(file, null, $"parameter '{p.Name}' is in groups '{result[groupOf[p.Index]].Name}' and '{g.Name}'");
                    }

                    if (groupOf[p.Index] == 0)
                    {
                        groupOf[p.Index] = index;
                        members.Add(p.Index);
                    }
                }

                if (!matched)
                {
                    throw new ModelFileException(file, null, $"group '{g.Name}': \"{pattern}\" matches no parameter or node with parameters");
                }
            }

            if (members.Count == 0)
            {
                throw new ModelFileException(file, null, $"group '{g.Name}' matches no parameter");
            }

            result.Add(new ParameterGroup(g.Name, [.. members.Order()], g.Frozen, g.Optimizer));
        }

        result[0] = result[0] with { Parameters = Enumerable.Range(0, parameters.Count).Where(p => groupOf[p] == 0).ToArray() };
        return (result, groupOf);
    }

    private static void CheckOptimizer(ModelSpec spec, GroupSpec g)
    {
        var settings = spec.Training with { Optimizer = g.Optimizer.Over(spec.Training.Optimizer) };
        if (settings.FirstProblem() is { } problem)
        {
            throw new ModelFileException(spec.File, null, $"group '{g.Name}': {problem.Replace("training.", "", StringComparison.Ordinal)}");
        }
    }

    /// <summary>The mask of <paramref name="names"/> (null: every group that is not frozen and holds parameters).</summary>
    private static ulong Trainable(List<ParameterGroup> groups, string[]? names, string file, string where)
    {
        ulong mask = 0;
        if (names is null)
        {
            for (var g = 0; g < groups.Count; g++)
            {
                if (!groups[g].Frozen && groups[g].Parameters.Length > 0)
                {
                    mask |= 1UL << g;
                }
            }

            return mask != 0 ? mask : throw new ModelFileException(file, null, $"{where}: every group is frozen, so there is nothing to train");
        }

        foreach (var name in names)
        {
            var g = groups.FindIndex(x => x.Name == name);
            if (g < 0)
            {
                throw new ModelFileException(file, null, $"{where}: unknown group '{name}'; groups: {string.Join(", ", groups.Where(x => x.Parameters.Length > 0).Select(x => x.Name))}");
            }

            if (groups[g].Frozen)
            {
                throw new ModelFileException(file, null, $"{where}: group '{name}' is frozen and cannot be trained");
            }

            if (groups[g].Parameters.Length == 0)
            {
                throw new ModelFileException(file, null, $"{where}: group '{name}' holds no parameter (every parameter is in a named group)");
            }

            mask |= 1UL << g;
        }

        return mask;
    }

    private static int Loss(string id, PhaseSpec phase, IReadOnlyDictionary<string, int> valueIndex, IReadOnlyList<ValueInfo> values, IReadOnlyList<CompiledNode> nodes, string file, string where)
    {
        if (!valueIndex.TryGetValue(id, out var v) || values[v].Producer < 0)
        {
            throw new ModelFileException(file, null, $"{where}: loss '{id}' names no node");
        }

        var node = nodes[values[v].Producer];
        if (values[v].Type.Batched || values[v].Type.Rank != 0 || !node.Op.IsLoss)
        {
            throw new ModelFileException(file, null, $"{where}: loss '{id}' (op {node.Spec.Op}) is not a loss op yielding a scalar; loss ops: {string.Join(", ", OpRegistry.Names.Where(n => OpRegistry.TryGet(n, out var op) && op.IsLoss))}");
        }

        if (RuleOps.TryGetValue(phase.Rule, out var needs) && node.Spec.Op != needs)
        {
            throw new ModelFileException(file, null, $"{where}: rule {phase.Rule} does not fit node '{id}' (op {node.Spec.Op}); it needs an {needs} node");
        }

        if (!values[v].RequiresGradient)
        {
            throw new ModelFileException(file, null, $"{where}: loss '{id}' depends on no parameter, so there is nothing to train");
        }

        return v;
    }

    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant);
}
