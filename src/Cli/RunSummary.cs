// The end-of-run summary: the table train and submit print, and the --summary JSON that scripts and tests read.
using System.Globalization;
using System.Text.Json;
using Dtrain.Models.Graph;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Cli;

/// <summary>Prints and writes a <see cref="JobCompleted"/>, with the figures of its task.</summary>
public static class RunSummary
{
    /// <summary>
    /// The figures of an evaluation by their summary names without prefix (<c>loss</c>, <c>accuracy</c>,
    /// <c>top_k_accuracy</c>, <c>rmse</c>, <c>mae</c>, <c>r2</c>, <c>mse</c>, <c>recall_accuracy</c>), those its task has.
    /// </summary>
    public static IEnumerable<(string Name, double Value)> Figures(EvaluationFigures? f)
    {
        if (f is null)
        {
            yield break;
        }

        foreach (var name in Models.Metrics.TaskMetrics.ReportedFigures)
        {
            if (f.Figure(name) is { } value)
            {
                yield return (name, value);
            }
        }
    }

    /// <summary>How a figure reads in the summary table: accuracies as percentages, the rest as numbers.</summary>
    public static string Show(string figure, double value) => figure switch
    {
        "accuracy" => value.ToString("P2", CultureInfo.InvariantCulture),
        "top_k_accuracy" => value.ToString("P2", CultureInfo.InvariantCulture),
        "recall_accuracy" => value.ToString("P2", CultureInfo.InvariantCulture),
        _ => value.ToString("G6", CultureInfo.InvariantCulture),
    };

    /// <summary>A figure's name for people: <c>top-5 accuracy</c>, <c>RMSE</c>, <c>R²</c>.</summary>
    public static string Label(string figure, EvaluationFigures? of = null) => figure switch
    {
        "top_k_accuracy" => $"top-{of?.TopK ?? 0} accuracy",
        "rmse" => "RMSE",
        "mae" => "MAE",
        "r2" => "R²",
        "mse" => "MSE",
        "recall_accuracy" => "recall accuracy (stored patterns, 10% of bits flipped)",
        _ => figure,
    };

    /// <summary>
    /// The test accuracy the table shows beside the final one: with a validation set, the test accuracy of the epoch
    /// chosen on validation (the test set never picks the best); without one, the highest over the epochs, said as such.
    /// </summary>
    internal static double BestTestAccuracy(JobCompleted r) =>
        r.BestEpoch > 0 && r.History.FirstOrDefault(h => h.Epoch == r.BestEpoch) is { } best ? best.TestAccuracy : r.BestTestAccuracy;

    /// <summary>The row name for <see cref="BestTestAccuracy"/>.</summary>
    internal static string BestTestLabel(JobCompleted r) =>
        r.BestEpoch > 0 ? $"test accuracy (epoch {r.BestEpoch}, best on validation)" : "test accuracy (highest epoch)";

    /// <summary>Prints the result table, with the model's own figures (<see cref="ModelFigures"/>) when given.</summary>
    public static void Print(JobCompleted r, TextWriter output, IReadOnlyDictionary<string, object?>? model = null)
    {
        output.WriteLine();
        var table = new Table("result", "value");
        var c = CultureInfo.InvariantCulture;
        var last = r.History.Length > 0 ? r.History[^1] : null;
        var classification = r.Task == "classification";
        table.Add("task", r.Task);
        if (classification && (last?.Test is not null || last?.Validation is null))
        {
            table.Add("test accuracy (final)", r.TestAccuracy.ToString("P2", c));
            table.Add(BestTestLabel(r), BestTestAccuracy(r).ToString("P2", c));
        }

        foreach (var (name, value) in Figures(last?.Test).Where(f => !(classification && f.Name == "accuracy")))
        {
            table.Add($"test {Label(name, last!.Test)}", Show(name, value));
        }

        foreach (var (name, value) in Figures(last?.Validation))
        {
            table.Add($"validation {Label(name, last!.Validation)}", Show(name, value));
        }

        if (model?.GetValueOrDefault("threshold_unit_best_accuracy") is double bestUnit)
        {
            table.Add("best a threshold unit can reach", bestUnit.ToString("P2", c));
        }

        if (r.BestEpoch > 0)
        {
            var best = r.History.FirstOrDefault(h => h.Epoch == r.BestEpoch);
            var figure = r.BestMonitor.StartsWith("val_", StringComparison.Ordinal) ? r.BestMonitor[4..] : r.BestMonitor;
            var value = best?.Validation?.Figure(figure) is { } v ? $" ({r.BestMonitor} {Show(figure, v)})" : "";
            table.Add("best epoch", $"{r.BestEpoch}{value}{(r.BestCheckpoint >= 0 ? string.Create(c, $", checkpoint {r.BestCheckpoint}") : "")}");
        }

        table.Add("epochs", r.StoppedEarly ? $"{r.Epochs} (stopped early)" : r.Epochs.ToString(c));
        foreach (var p in r.Phases ?? [])
        {
            table.Add($"phase {p.Name}", string.Create(c, $"{p.Epochs} epoch(s), {p.ExamplesPerSecond:N0} examples/s, train loss {p.TrainLoss:F4}"));
        }

        table.Add("train examples/s", r.TrainExamplesPerSecond.ToString("N0", c));
        table.Add("wall seconds", r.WallSeconds.ToString("F1", c));
        table.Add("workers x PS shards", $"{r.Workers} x {r.PsShards}");
        table.Add("mode", r.Mode.Name());
        table.Add("max parameter lag at a step", r.MaxParameterLag.ToString(c));
        table.Add("checkpoints kept (last)", r.Checkpoints == 0 ? "none" : $"{r.Checkpoints} ({r.LastCheckpoint})");
        if (r.ResumedFrom >= 0)
        {
            table.Add("resumed from checkpoint", string.Create(c, $"{r.ResumedFrom} ({r.LostSteps:N0} steps trained again)"));
        }

        foreach (var s in r.Shards)
        {
            table.Add($"shard {s.ShardId}", string.Create(c, $"{s.PushesApplied:N0} pushes, staleness mean {s.MeanStaleness:F2} max {s.MaxStaleness}, apply {s.ApplySeconds:F2}s")
                + (r.Mode == TrainingMode.Sync ? string.Create(c, $", {s.Rounds:N0} rounds, {s.LateDropped:N0} late pushes dropped") : ""));
        }

        table.Print(output);
        if (model?.GetValueOrDefault("note") is string note)
        {
            output.WriteLine(note);
        }
    }

    /// <summary>
    /// The <c>--summary</c> JSON: today's fields (<c>test_accuracy</c>, <c>best_test_accuracy</c> for a classification),
    /// <c>task</c>, the final epoch's <c>val_*</c> and <c>test_*</c> figures (and a reconstruction's <c>reconstruction_mse</c>), <c>best_epoch</c> (null without a
    /// validation set) and the same figures per epoch in <c>history</c>; the model's own figures
    /// (<see cref="ModelFigures"/>, <c>recall_accuracy</c>) at the top level.
    /// </summary>
    public static Dictionary<string, object?> Json(JobCompleted r, IReadOnlyDictionary<string, object?>? model = null)
    {
        var last = r.History.Length > 0 ? r.History[^1] : null;
        var summary = new Dictionary<string, object?> { ["task"] = r.Task };
        if (r.Task == "classification" && (last?.Test is not null || last?.Validation is null))
        {
            summary["test_accuracy"] = r.TestAccuracy;
            summary["best_test_accuracy"] = r.BestTestAccuracy;
        }

        AddFigures(summary, last);
        if (r.Task == "reconstruction" && (last?.Test ?? last?.Validation)?.Figure("mse") is { } mse)
        {
            // An autoencoder's own figure, under the name every example's summary uses for it (the test set's, else validation's).
            summary["reconstruction_mse"] = mse;
        }

        if (last?.Test?.RecallAccuracy is { } recall)
        {
            // The Hopfield example's own figure, scored on the stored (training) patterns rather than the test set.
            summary["recall_accuracy"] = recall;
        }

        foreach (var (name, value) in model ?? new Dictionary<string, object?>())
        {
            summary[name] = value;
        }

        summary["best_epoch"] = r.BestEpoch > 0 ? r.BestEpoch : null;
        summary["best_monitor"] = r.BestEpoch > 0 ? r.BestMonitor : null;
        summary["best_checkpoint"] = r.BestCheckpoint;
        summary["stopped_early"] = r.StoppedEarly;
        summary["epochs"] = r.Epochs;
        if (r.Phases is { } phases)
        {
            // A training program's phases in order, with the rate the issue asks for per phase.
            summary["phases"] = phases.Select(p => new Dictionary<string, object>
            {
                ["name"] = p.Name,
                ["epochs"] = p.Epochs,
                ["examples_per_second"] = p.ExamplesPerSecond,
                ["train_loss"] = p.TrainLoss,
            }).ToArray();
        }

        summary["train_examples_per_second"] = r.TrainExamplesPerSecond;
        summary["wall_seconds"] = r.WallSeconds;
        summary["workers"] = r.Workers;
        summary["ps_shards"] = r.PsShards;
        summary["mode"] = r.Mode.Name();
        summary["max_parameter_lag"] = r.MaxParameterLag;
        summary["late_pushes_dropped"] = r.Shards.Sum(s => s.LateDropped);
        summary["rounds"] = r.Shards.Length == 0 ? 0 : r.Shards.Max(s => s.Rounds);
        summary["max_staleness"] = r.Shards.Length == 0 ? 0 : r.Shards.Max(s => s.MaxStaleness);
        summary["checkpoints"] = r.Checkpoints;
        summary["last_checkpoint"] = r.LastCheckpoint;
        summary["resumed_from"] = r.ResumedFrom;
        summary["lost_steps"] = r.LostSteps;

        // Steps the job counts as trained, and each shard's version (the updates its parameters carry): a version
        // below the steps means trained work was never applied (what dtrain-bench faults checks). Pushes are
        // counted since each shard's last load (initialization or restore): after a restore, every step trained
        // since it pushed once to every shard, so they equal the steps after the resumed checkpoint's.
        summary["steps"] = last?.Steps ?? 0;
        summary["shards"] = r.Shards.Select(s => new Dictionary<string, object>
        {
            ["shard"] = s.ShardId,
            ["version"] = s.Version,
            ["pushes_applied"] = s.PushesApplied,
            ["duplicates_ignored"] = s.DuplicatesIgnored,
            ["pushes_rejected"] = s.PushesRejected,
        }).ToArray();
        summary["history"] = r.History.Select(e =>
        {
            var epoch = new Dictionary<string, object?>
            {
                ["epoch"] = e.Epoch,
                ["phase"] = e.Phase,
                ["steps"] = e.Steps,
                ["train_loss"] = e.TrainLoss,
                ["test_accuracy"] = e.TestAccuracy,
                ["examples_per_second"] = e.ExamplesPerSecond,
                ["train_seconds"] = e.TrainSeconds,
                ["partitions_trained"] = e.PartitionsTrained,
                ["partitions"] = e.Partitions,
            };
            if (e.Phase is null)
            {
                epoch.Remove("phase"); // a model without a program: the history reads as before
            }

            if (r.Task != "classification" || (e.Test is null && e.Validation is not null))
            {
                epoch.Remove("test_accuracy"); // no test set scored, or not a classification: no accuracy to report
            }

            AddFigures(epoch, e);
            return epoch;
        }).ToArray();
        return summary;
    }

    /// <summary>Writes <see cref="Json"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, JobCompleted r, IReadOnlyDictionary<string, object?>? model = null)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllText(path, JsonSerializer.Serialize(Json(r, model), new JsonSerializerOptions { WriteIndented = true }));
    }

    private static void AddFigures(Dictionary<string, object?> into, EpochCompleted? e)
    {
        foreach (var (name, value) in Figures(e?.Validation))
        {
            into[$"val_{name}"] = value;
        }

        foreach (var (name, value) in Figures(e?.Test))
        {
            into[$"test_{name}"] = value;
        }

        if (e?.Test is { TopK: > 0 } test)
        {
            into["top_k"] = test.TopK;
        }
    }
}
