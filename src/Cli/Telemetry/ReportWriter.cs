// `--report DIR`: the run's curves and summary table, written once at the end for a person to keep or share.
using System.Globalization;
using System.Text;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Cli.Telemetry;

/// <summary>
/// Writes <c>report.html</c> (the live page frozen with the final state: curves as inline SVG, no server needed),
/// <c>loss.png</c> and <c>accuracy.png</c> (the curves as images), <c>summary.md</c> (the summary table),
/// <c>epochs.csv</c> (one row per epoch) and <c>progress.csv</c> (the loss curve's points).
/// </summary>
public static class ReportWriter
{
    /// <summary>File name of the HTML page.</summary>
    public const string PageName = "report.html";

    /// <summary>Writes the report into <paramref name="dir"/> (created if missing).</summary>
    public static void Write(string dir, TrainingRecorder recorder, JobCompleted result)
    {
        Directory.CreateDirectory(dir);
        var state = DashboardServer.StateJson(recorder);
        File.WriteAllText(Path.Combine(dir, PageName), DashboardServer.Render(DashboardServer.PageTemplate(), state, live: false));
        File.WriteAllText(Path.Combine(dir, "summary.md"), Summary(recorder.Title, result));
        File.WriteAllText(Path.Combine(dir, "epochs.csv"), EpochsCsv(result.History));
        File.WriteAllText(Path.Combine(dir, "progress.csv"), ProgressCsv(recorder.Points()));
        var points = recorder.Points();
        File.WriteAllBytes(Path.Combine(dir, "loss.png"), PngChart.Line([.. points.Select(p => ((double)p.Step, p.Loss))], 0xD9480F));
        File.WriteAllBytes(Path.Combine(dir, "accuracy.png"), PngChart.Line([.. result.History.Select(e => ((double)e.Epoch, e.TestAccuracy))], 0x2B8A3E));
    }

    /// <summary>The summary table as markdown.</summary>
    public static string Summary(string title, JobCompleted r)
    {
        var c = CultureInfo.InvariantCulture;
        var b = new StringBuilder();
        b.AppendLine(CultureInfo.InvariantCulture, $"# {title}").AppendLine();
        b.AppendLine("| result | value |").AppendLine("| --- | ---: |");
        var last = r.History.Length > 0 ? r.History[^1] : null;
        b.AppendLine(c, $"| task | {r.Task} |");
        if (r.Task == "classification" && (last?.Test is not null || last?.Validation is null))
        {
            b.AppendLine(c, $"| test accuracy (final) | {r.TestAccuracy.ToString("P2", c)} |");
            b.AppendLine(c, $"| {RunSummary.BestTestLabel(r)} | {RunSummary.BestTestAccuracy(r).ToString("P2", c)} |");
        }

        foreach (var (set, figures) in new[] { ("test", last?.Test), ("validation", last?.Validation) })
        {
            foreach (var (name, value) in RunSummary.Figures(figures).Where(f => !(set == "test" && f.Name == "accuracy")))
            {
                b.AppendLine(c, $"| {set} {RunSummary.Label(name, figures)} | {RunSummary.Show(name, value)} |");
            }
        }

        if (r.BestEpoch > 0)
        {
            b.AppendLine(c, $"| best epoch ({r.BestMonitor}) | {r.BestEpoch} |");
        }
        b.AppendLine(c, $"| epochs | {r.Epochs} |");
        b.AppendLine(c, $"| train examples/s | {r.TrainExamplesPerSecond.ToString("N0", c)} |");
        b.AppendLine(c, $"| wall seconds | {r.WallSeconds.ToString("F1", c)} |");
        b.AppendLine(c, $"| workers x PS shards | {r.Workers} x {r.PsShards} |");
        foreach (var s in r.Shards)
        {
            b.AppendLine(c, $"| shard {s.ShardId} | {s.PushesApplied:N0} pushes, staleness mean {s.MeanStaleness:F2} max {s.MaxStaleness}, apply {s.ApplySeconds:F2} s |");
        }

        b.AppendLine().AppendLine("| epoch | train loss | test accuracy | examples/s | train s |").AppendLine("| ---: | ---: | ---: | ---: | ---: |");
        foreach (var e in r.History)
        {
            b.AppendLine(c, $"| {e.Epoch} | {e.TrainLoss:F4} | {e.TestAccuracy.ToString("P2", c)} | {e.ExamplesPerSecond:N0} | {e.TrainSeconds:F1} |");
        }

        return b.ToString();
    }

    private static string EpochsCsv(IEnumerable<EpochCompleted> epochs)
    {
        // The task's figures follow today's columns, empty where the task or the sets scored have none.
        string[] figures = ["loss", "accuracy", "rmse", "mae", "r2", "mse"];
        var b = new StringBuilder("epoch,train_loss,test_accuracy,examples_per_second,train_seconds,elapsed_seconds,steps");
        b.Append(string.Concat(figures.Select(f => $",val_{f}"))).Append(string.Concat(figures.Select(f => $",test_{f}"))).Append('\n');
        string Cells(EvaluationFigures? set) =>
            string.Concat(figures.Select(f => "," + (set?.Figure(f) is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "")));
        foreach (var e in epochs)
        {
            b.AppendLine(CultureInfo.InvariantCulture, $"{e.Epoch},{e.TrainLoss:R},{e.TestAccuracy:R},{e.ExamplesPerSecond:R},{e.TrainSeconds:R},{e.ElapsedSeconds:R},{e.Steps}{Cells(e.Validation)}{Cells(e.Test)}");
        }

        return b.ToString();
    }

    private static string ProgressCsv(IEnumerable<TrainingRecorder.ProgressPoint> points)
    {
        var b = new StringBuilder("seconds,epoch,step,train_loss,examples_per_second\n");
        foreach (var p in points)
        {
            b.AppendLine(CultureInfo.InvariantCulture, $"{p.Seconds:R},{p.Epoch},{p.Step},{p.Loss:R},{p.ExamplesPerSecond:R}");
        }

        return b.ToString();
    }
}
