// The per-epoch table train and submit print: columns that fit the task and the sets the job scores.
using System.Globalization;
using Dtrain.Models.Data;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Cli;

/// <summary>
/// Prints one line per epoch under a header. The columns follow the task and which sets are scored: a
/// classification shows accuracies, a regression RMSE, a reconstruction MSE, an unsupervised job its losses; <c>val_*</c> columns appear with a
/// validation set, <c>test_*</c> with a test set. A row whose columns differ from the header printed (the header
/// is a guess made before the first epoch) prints its own header first. A training program's epochs name their phase.
/// </summary>
public sealed class EpochTable(TextWriter output)
{
    private string? _header;

    /// <summary>The table on standard output.</summary>
    public static EpochTable Console { get; } = new(System.Console.Out);

    /// <summary>Prints the header for a job of <paramref name="task"/> scoring the sets named (with a phase column for a training program).</summary>
    public void Start(LearningTask task, bool validation, bool test, bool phase = false)
    {
        _header = Header(Columns(task.Name(), validation, test, phase));
        output.WriteLine(_header);
    }

    /// <summary>Prints epoch <paramref name="e"/> (its header first when it differs from the last one printed).</summary>
    public void Row(EpochCompleted e)
    {
        var columns = Columns(e);
        var header = Header(columns);
        if (header != _header)
        {
            _header = header;
            output.WriteLine(header);
        }

        output.WriteLine(string.Join("  ", columns.Select(c => c.Cell(e).PadLeft(c.Width))).TrimEnd());
    }

    /// <summary>The header line of a job of <paramref name="task"/> (a task name) scoring the sets named.</summary>
    public static string Header(string task, bool validation, bool test) => Header(Columns(task, validation, test));

    private static string Header(IEnumerable<Column> columns) => string.Join("  ", columns.Select(c => c.Name.PadLeft(c.Width)));

    /// <summary>The columns of <paramref name="e"/>: its task from its figures (an epoch without figures is a classification scored on a test set).</summary>
    private static List<Column> Columns(EpochCompleted e) =>
        Columns(e.Test?.Task ?? e.Validation?.Task ?? "classification", e.Validation is not null, e.Test is not null || e.Validation is null, e.Phase is not null);

    private static List<Column> Columns(string task, bool validation, bool test, bool phase = false)
    {
        var c = CultureInfo.InvariantCulture;
        string Figure(EvaluationFigures? f, Func<EvaluationFigures, double?> pick, string format) =>
            f is not null && pick(f) is { } v ? v.ToString(format, c) : "-";
        var columns = new List<Column>
        {
            new("epoch", 5, e => e.Epoch.ToString(c)),
            new("train_loss", 10, e => e.TrainLoss.ToString("F4", c)),
        };
        if (validation)
        {
            columns.Add(new("val_loss", 8, e => Figure(e.Validation, f => f.Loss, "F4")));
            if (task != "unsupervised")
            {
                columns.Add(task switch
                {
                    "classification" => new("val_acc", 8, e => Figure(e.Validation, f => f.Accuracy, "P2")),
                    "regression" => new("val_rmse", 8, e => Figure(e.Validation, f => f.Rmse, "G4")),
                    _ => new("val_mse", 8, e => Figure(e.Validation, f => f.Mse, "G4")),
                });
            }
        }

        if (test)
        {
            columns.Add(task switch
            {
                // Today's column: an epoch from an older checkpoint has no figures, only its test accuracy.
                "classification" => new("test_acc", 8, e => e.Test is null ? e.TestAccuracy.ToString("P2", c) : Figure(e.Test, f => f.Accuracy, "P2")),
                "regression" => new("test_rmse", 9, e => Figure(e.Test, f => f.Rmse, "G4")),
                "unsupervised" => new("test_loss", 9, e => Figure(e.Test, f => f.Loss, "F4")),
                _ => new("test_mse", 8, e => Figure(e.Test, f => f.Mse, "G4")),
            });
        }

        columns.Add(new("examples/s", 10, e => e.ExamplesPerSecond.ToString("N0", c)));
        if (phase)
        {
            columns.Insert(1, new("phase", 12, e => e.Phase ?? ""));
        }

        columns.Add(new("epoch_s", 7, e => e.TrainSeconds.ToString("F1", c)));
        columns.Add(new("elapsed_s", 9, e => e.ElapsedSeconds.ToString("F1", c)));

        // Resident memory is printed per epoch so a leak shows as a growing column.
        columns.Add(new("rss_mb", 6, _ => (Environment.WorkingSet / (1024 * 1024)).ToString(c)));
        if (validation)
        {
            // The best epoch on validation so far: the last row marked is the best checkpoint's epoch.
            columns.Add(new("best", 4, e => e.BestSoFar ? "*" : ""));
        }

        return columns;
    }

    private sealed record Column(string Name, int Width, Func<EpochCompleted, string> Cell);
}
