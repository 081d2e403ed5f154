// The --summary JSON and the epoch table carry the figures of the job's task.
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Cli.Tests;

public sealed class RunSummaryTests
{
    private static readonly EvaluationFigures RegressionVal = new("regression", 50, 0.2, Rmse: 3.5, Mae: 2.5, R2: 0.75);
    private static readonly EvaluationFigures RegressionTest = new("regression", 100, 0.25, Rmse: 4.5, Mae: 3.0, R2: 0.7);

    [Fact]
    public void Summary_of_a_regression_has_test_rmse_mae_r2_and_the_best_epoch()
    {
        var result = Completed("regression", Epoch(1, RegressionVal, RegressionTest), Epoch(2, RegressionVal with { Rmse = 3.9 }, RegressionTest)) with { BestEpoch = 1, BestMonitor = "val_rmse", BestCheckpoint = 1 };

        var json = RunSummary.Json(result);

        Assert.Equal("regression", json["task"]);
        Assert.Equal((4.5, 3.0, 0.7, 0.25), (json["test_rmse"], json["test_mae"], json["test_r2"], json["test_loss"]));
        Assert.Equal((3.9, 0.2), (json["val_rmse"], json["val_loss"]));
        Assert.Equal((1, "val_rmse", 1L), (json["best_epoch"], json["best_monitor"], json["best_checkpoint"]));
        Assert.False(json.ContainsKey("test_accuracy"));
        var first = ((Dictionary<string, object?>[])json["history"]!)[0];
        Assert.Equal((3.5, 4.5), (first["val_rmse"], first["test_rmse"]));
        Assert.False(first.ContainsKey("test_accuracy"));
    }

    [Fact]
    public void Summary_of_a_reconstruction_has_test_mse()
    {
        var json = RunSummary.Json(Completed("reconstruction", Epoch(1, null, new EvaluationFigures("reconstruction", 10, 0.04, Mse: 0.04))));

        Assert.Equal(("reconstruction", 0.04), (json["task"], json["test_mse"]));
        Assert.Null(json["best_epoch"]);
        Assert.False(json.ContainsKey("test_rmse"));
    }

    [Fact]
    public void Summary_of_a_classification_keeps_todays_fields_beside_the_new_ones()
    {
        var test = new EvaluationFigures("classification", 10_000, 0.08, Accuracy: 0.975, TopKAccuracy: 0.999, TopK: 5);
        var val = new EvaluationFigures("classification", 6_000, 0.09, Accuracy: 0.97, TopKAccuracy: 0.998, TopK: 5);

        var json = RunSummary.Json(Completed("classification", Epoch(1, val, test)) with { TestAccuracy = 0.975, BestTestAccuracy = 0.975, BestEpoch = 1, BestMonitor = "val_loss" });

        Assert.Equal((0.975, 0.975, 0.975), (json["test_accuracy"], json["best_test_accuracy"], json["test_accuracy"]));
        Assert.Equal((0.999, 5, 0.97, 0.09), (json["test_top_k_accuracy"], json["top_k"], json["val_accuracy"], json["val_loss"]));
        Assert.Equal(1, json["best_epoch"]);
    }

    [Fact]
    public void Summary_of_a_classification_without_a_test_set_has_no_test_accuracy()
    {
        var val = new EvaluationFigures("classification", 30, 0.2, Accuracy: 0.9);

        var json = RunSummary.Json(Completed("classification", Epoch(1, val, null)) with { BestEpoch = 1, BestMonitor = "val_loss" });

        Assert.Equal(0.9, json["val_accuracy"]);
        Assert.False(json.ContainsKey("test_accuracy"));
        Assert.False(((Dictionary<string, object?>[])json["history"]!)[0].ContainsKey("test_accuracy"));
    }

    [Theory]
    [InlineData("classification", false, true, "epoch  train_loss  test_acc  examples/s  epoch_s  elapsed_s  rss_mb")]
    [InlineData("classification", true, true, "epoch  train_loss  val_loss   val_acc  test_acc  examples/s  epoch_s  elapsed_s  rss_mb  best")]
    [InlineData("regression", true, true, "epoch  train_loss  val_loss  val_rmse  test_rmse  examples/s  epoch_s  elapsed_s  rss_mb  best")]
    [InlineData("reconstruction", false, true, "epoch  train_loss  test_mse  examples/s  epoch_s  elapsed_s  rss_mb")]
    public void Epoch_table_columns_fit_the_task(string task, bool validation, bool test, string header) =>
        Assert.Equal(header, EpochTable.Header(task, validation, test).Trim());

    [Fact]
    public void Epoch_table_row_of_a_regression_shows_validation_loss_and_rmse_under_its_header()
    {
        var output = new StringWriter();
        var table = new EpochTable(output);

        table.Start(Models.Data.LearningTask.Regression, validation: true, test: true);
        table.Row(Epoch(1, RegressionVal, RegressionTest) with { BestSoFar = true });
        table.Row(Epoch(2, RegressionVal, RegressionTest));

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length); // the rows fit the header printed: no second header
        Assert.Matches(@"^\s+1\s+0\.1000\s+0\.2000\s+3\.5\s+4\.5\s.*\*$", lines[1]);
        Assert.DoesNotContain("*", lines[2]);
    }

    [Fact]
    public void Epoch_table_prints_a_new_header_when_a_row_does_not_fit_the_guess()
    {
        var output = new StringWriter();
        var table = new EpochTable(output);

        table.Start(Models.Data.LearningTask.Classification, validation: false, test: true);
        table.Row(Epoch(1, RegressionVal, RegressionTest));

        Assert.Contains("val_rmse  test_rmse", output.ToString().Split('\n')[1]);
    }

    private static EpochCompleted Epoch(int epoch, EvaluationFigures? validation, EvaluationFigures? test) =>
        new(epoch, 0.1, test?.Accuracy ?? 0, 1000, 1.5, 2.5 * epoch, 10 * epoch, 2, 2, validation, test);

    private static JobCompleted Completed(string task, params EpochCompleted[] history) =>
        new(0, 0, history.Length, 1000, 5, 1, 1, history, [], Task: task);
}
