// What dtrain eval prints: the task's figures, and for a classification per-class precision and recall and the
// confusion matrix, with the classes' names.
using System.Globalization;
using Dtrain.Models.Metrics;
using Dtrain.Protocol;

namespace Dtrain.Cli;

/// <summary>Prints one evaluation's metrics as tables.</summary>
public static class EvalReport
{
    /// <summary>The widest confusion matrix printed; past it the matrix would not fit a terminal.</summary>
    public const int MaxConfusionClasses = 30;

    /// <summary>
    /// Prints <paramref name="result"/>; when <paramref name="metrics"/> is a classification, the per-class table and
    /// the confusion matrix too. Class <c>i</c> is named <paramref name="classNames"/>[i] (null: its id).
    /// </summary>
    public static void Print(TaskMetrics result, MetricAccumulator metrics, IReadOnlyList<string>? classNames, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        var figures = CoordinatorProtocol.EvaluationFigures.From(result);
        var summary = new Table("metric", "value");
        summary.Add("examples", result.Examples.ToString("N0", c));
        foreach (var (name, value) in RunSummary.Figures(figures))
        {
            summary.Add(RunSummary.Label(name, figures), RunSummary.Show(name, value));
        }

        summary.Print(output);
        if (metrics is not ClassificationMetrics classes)
        {
            return;
        }

        string Name(int k) => classNames is not null && k < classNames.Count ? Printable.Of(classNames[k], 40) : k.ToString(c);
        string Percent(double? v) => v is { } x ? x.ToString("P2", c) : "-";

        // Recall is the per-class accuracy; over all classes both micro-averages equal the accuracy.
        output.WriteLine();
        var perClass = new Table("class", "examples", "recall", "precision");
        for (var k = 0; k < classes.Classes; k++)
        {
            perClass.Add(Name(k), classes.Support(k).ToString("N0", c), Percent(classes.Recall(k)), Percent(classes.Precision(k)));
        }

        perClass.Add("all", result.Examples.ToString("N0", c), Percent(result.Accuracy), Percent(result.Accuracy));
        perClass.Print(output);

        output.WriteLine();
        if (classes.Classes > MaxConfusionClasses)
        {
            output.WriteLine($"confusion matrix left out: {classes.Classes} classes (at most {MaxConfusionClasses} are printed)");
            return;
        }

        output.WriteLine("confusion matrix (rows: actual class, columns: predicted class)");
        var matrix = new Table([@"actual \ predicted", .. Enumerable.Range(0, classes.Classes).Select(Name)]);
        for (var a = 0; a < classes.Classes; a++)
        {
            matrix.Add([Name(a), .. Enumerable.Range(0, classes.Classes).Select(p => classes.Confusion[a, p].ToString(c))]);
        }

        matrix.Print(output);
    }
}
