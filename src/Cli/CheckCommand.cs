// dtrain check: validates a model file and prints every value's shape and the parameter table.
using System.Text.Json;
using Dtrain.Models.Graph;

namespace Dtrain.Cli;

/// <summary>Loads a model file and prints what shape inference found.</summary>
public static class CheckCommand
{
    /// <summary>Runs the command.</summary>
    public static int Run(CommandLine cl)
    {
        var file = cl.Single("model file");
        cl.RejectUnknown();
        var model = ModelCompiler.Load(file);
        Console.WriteLine($"{file}: model '{model.Spec.Name}' is valid: {model.Nodes.Count} nodes, {model.ParameterCount:N0} parameters");
        var table = new Table("node", "op", "output shape", "parameters");
        foreach (var node in model.Nodes)
        {
            var ps = string.Join(", ", node.Parameters.Select(p => $"{model.Parameters[p].Name} {string.Join("x", model.Parameters[p].Spec.Shape)}"));
            table.Add(node.Spec.Id, OpWithActivation(node.Spec), model.Values[node.Output].Type.ToString(), ps);
        }

        table.Print(Console.Out);
        return 0;
    }

    /// <summary>The op, with a fused activation after a plus (<c>dense+relu</c>), as the node computes it.</summary>
    private static string OpWithActivation(NodeSpec node) =>
        node.Attributes.ValueKind == JsonValueKind.Object
        && node.Attributes.TryGetProperty("activation", out var f)
        && f.ValueKind == JsonValueKind.String
        && f.GetString() is { } name and not "none"
            ? $"{node.Op}+{name}"
            : node.Op;
}
