// What a classic model adds to the run's summary beyond its task's figures: for a single threshold unit, the best
// accuracy any threshold unit can reach on its training set, decided exactly, and what that means.
using System.Globalization;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;
using Dtrain.Models.Metrics;

namespace Dtrain.Cli;

/// <summary>The model's own figures for the summary table and the <c>--summary</c> JSON; empty for most models.</summary>
public static class ModelFigures
{
    /// <summary>
    /// For a single threshold unit (the output a one-unit <c>dense</c> of the features, trained by a
    /// <c>perceptron</c> loss) on a small binary set: <c>threshold_unit_best_accuracy</c> (the most any threshold unit
    /// can classify right), <c>linearly_separable</c> and a <c>note</c> saying so; empty otherwise.
    /// </summary>
    public static IReadOnlyDictionary<string, object?> For(CompiledModel model, ExampleSource train)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        var figures = new Dictionary<string, object?>();
        var output = model.Values[model.OutputValue];
        var producer = output.Producer >= 0 ? model.Nodes[output.Producer] : null;
        var thresholdUnit = producer is { Spec.Op: "dense" } && producer.Inputs[0] == model.FeatureInput && output.Type.Size == 1
            && model.Nodes.Any(n => n.Spec.Op == "perceptron" && n.Output == model.LossValue);
        if (!thresholdUnit || LinearSeparability.BestAccuracy(train) is not { } best)
        {
            return figures;
        }

        var c = CultureInfo.InvariantCulture;
        figures["threshold_unit_best_accuracy"] = best;
        figures["linearly_separable"] = best >= 1;
        figures["note"] = best >= 1
            ? $"{train.Name} is linearly separable: a single threshold unit can classify all of its examples"
            : string.Create(c, $"{train.Name} is not linearly separable: a single threshold unit cannot classify more than {best:P2} of its examples, whatever its weights");
        return figures;
    }
}
