// The table dtrain predict prints, per task: class names with probabilities, regression targets in the data's own
// units, or how well each example was reconstructed.
using System.Globalization;
using Dtrain.Models.Data;

namespace Dtrain.Cli;

/// <summary>Turns a model's outputs into what a user reads.</summary>
public static class PredictTable
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>
    /// Each example's most probable class (by name), its probability, and the <paramref name="top"/> most probable
    /// classes with theirs. <paramref name="scores"/> are the model's logits, one row per example.
    /// </summary>
    public static Table Classification(IReadOnlyList<float[]> scores, DataSchema schema, int top)
    {
        var classes = scores.Count > 0 ? scores[0].Length : 0;
        var names = schema.ClassNames is { } n && n.Count == classes ? n : null;
        var k = Math.Min(top, classes);
        var table = new Table("example", "predicted", "probability", $"top {k}");
        for (var e = 0; e < scores.Count; e++)
        {
            var p = Softmax(scores[e]);
            var order = Enumerable.Range(0, classes).OrderByDescending(c => p[c]).ThenBy(c => c).ToArray();
            table.Add(
                e.ToString(C),
                Name(order[0]),
                p[order[0]].ToString("P1", C),
                string.Join(", ", order.Take(k).Select(c => $"{Name(c)} ({p[c].ToString("P1", C)})")));
        }

        return table;

        // Class names come from the user's data: escaped, so a name cannot drive the terminal.
        string Name(int c) => names is null ? c.ToString(C) : Printable.Of(names[c], 40);
    }

    /// <summary>
    /// Each example's targets in the data's own units: training standardised them as <c>(y - shift) * scale</c>, so the
    /// model's output is mapped back by <c>y = output / scale + shift</c>. Columns are named after the target columns.
    /// </summary>
    public static Table Regression(IReadOnlyList<float[]> outputs, DataSchema schema)
    {
        var width = outputs.Count > 0 ? outputs[0].Length : schema.TargetWidth;
        var labels = schema.Columns.Where(c => c.Role == ColumnRole.Label).OrderBy(c => c.Offset).Select(c => Printable.Of(c.Name, 40)).ToList();
        var names = labels.Count == width ? labels : Enumerable.Range(0, width).Select(t => width == 1 ? "prediction" : $"target {t}").ToList();
        var table = new Table(["example", .. names]);
        for (var e = 0; e < outputs.Count; e++)
        {
            var row = new List<string> { e.ToString(C) };
            for (var t = 0; t < width; t++)
            {
                var scale = Pick(schema.TargetScale, t, 1f);
                var shift = Pick(schema.TargetShift, t, 0f);
                var y = (double)outputs[e][t] / (scale == 0 ? 1 : scale) + shift;
                row.Add(y.ToString("G6", C));
            }

            table.Add([.. row]);
        }

        return table;
    }

    /// <summary>Each example's mean squared error between its (encoded) features and the model's reconstruction.</summary>
    public static Table Reconstruction(IReadOnlyList<float[]> outputs, IReadOnlyList<float[]> examples)
    {
        var table = new Table("example", "reconstruction mse");
        for (var e = 0; e < outputs.Count; e++)
        {
            var n = Math.Min(outputs[e].Length, examples[e].Length);
            var sum = 0.0;
            for (var i = 0; i < n; i++)
            {
                var d = (double)outputs[e][i] - examples[e][i];
                sum += d * d;
            }

            table.Add(e.ToString(C), (sum / Math.Max(1, n)).ToString("G6", C));
        }

        return table;
    }

    /// <summary>Value <paramref name="i"/> of a per-target list, its only value when it holds one, else <paramref name="none"/>.</summary>
    private static float Pick(float[]? values, int i, float none) => values switch
    {
        null or [] => none,
        [var one] => one,
        _ => i < values.Length ? values[i] : none,
    };

    private static double[] Softmax(float[] scores)
    {
        var max = scores.Max();
        var p = scores.Select(s => Math.Exp(s - max)).ToArray();
        var sum = p.Sum();
        return p.Select(v => v / sum).ToArray();
    }
}
