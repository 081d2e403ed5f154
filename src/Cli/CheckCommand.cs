// dtrain check: validates a model file and prints every value's shape and the parameter table; with data (--train, or
// the file's training.data) it checks model and data together, resolving "auto" shapes from the data's schema.
using System.Text.Json;
using Dtrain.Models;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;

namespace Dtrain.Cli;

/// <summary>Loads a model file (and its data, when it names some) and prints what shape inference found.</summary>
public static class CheckCommand
{
    /// <summary>
    /// <c>dtrain check MODEL [--train PATH --label COL ...]</c>: the model alone, or the model fitted to the data (its
    /// input width, class count or target width, parameter count). A model and data that do not fit is one line naming both.
    /// </summary>
    public static int Run(CommandLine cl)
    {
        var file = cl.Single("model file");
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFileException(file, null, $"cannot read the file: {e.Message}");
        }

        var model = AutoShapes.Has(text) ? null : ModelCompiler.Compile(ModelParser.Parse(text, file));
        var settings = TrainCommand.ApplyOverrides(model?.Spec.Training ?? AutoShapes.Training(text, file), cl, file);
        var dataDir = cl.String("--data-dir");
        cl.RejectUnknown();
        settings.Validate("command line");
        if (settings.Data.IsBuiltInMnist && model is not null)
        {
            Print(file, model);
            return 0;
        }

        using var data = TrainData.Prepare(settings, dataDir);
        if (model is null)
        {
            (_, model) = TrainData.Fit(text, file, data.Schema);
        }

        ModelDataFit.Check(model, data.Train, file);
        Print(file, model);
        Console.WriteLine(Describe(model, data));
        return 0;
    }

    private static void Print(string file, CompiledModel model)
    {
        Console.WriteLine($"{file}: model '{model.Spec.Name}' is valid: {model.Nodes.Count} nodes, {model.ParameterCount:N0} parameters");
        var table = new Table("node", "op", "output shape", "parameters");
        foreach (var node in model.Nodes)
        {
            var ps = string.Join(", ", node.Parameters.Select(p => $"{model.Parameters[p].Name} {string.Join("x", model.Parameters[p].Spec.Shape)}"));
            table.Add(node.Spec.Id, OpWithActivation(node.Spec), model.Values[node.Output].Type.ToString(), ps);
        }

        table.Print(Console.Out);
        TrainCommand.PrintInitFrom(model); // init_from's file read and checked as training would
    }

    /// <summary>One line saying how model and data fit: widths, the task's classes or targets, examples.</summary>
    private static string Describe(CompiledModel model, PreparedData data)
    {
        var s = data.Schema;
        var input = model.Values[model.FeatureInput].Name;
        var output = model.Values[model.OutputValue].Name;
        var what = s.Task switch
        {
            LearningTask.Classification => $"{s.Classes} classes ({string.Join(", ", (s.ClassNames ?? []).Take(10).Select(n => Printable.Of(n, 30)))}{(s.Classes > 10 ? ", ..." : "")}) scored by output '{output}'",
            LearningTask.Regression => $"{s.TargetWidth} regression target(s) predicted by output '{output}'",
            _ => $"its {s.FeatureSize} features reconstructed by output '{output}'",
        };
        return $"model and data fit: {data.Train.Count:N0} training examples of [{string.Join(", ", s.FeatureShape)}] ({s.Format}, {s.Task.Name()}) fill input '{input}' ({model.FeatureSize} floats); {what}; {model.ParameterCount:N0} parameters";
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
