// Using a trained model with no cluster: export a checkpoint to one file, then eval and predict from that file alone.
using System.Globalization;
using System.Text.Json;

namespace Dtrain.Cli.Tests.Recovery;

public sealed class ExportTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-export-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void An_exported_checkpoint_evaluates_to_the_accuracy_the_job_reported_and_predicts_the_first_test_digits()
    {
        // Arrange: one epoch, checkpointed at its end.
        var summaryPath = Path.Combine(_dir, "summary.json");
        var runs = Path.Combine(_dir, "runs");
        var train = DtrainProcess.Run(Limit, "train", DtrainProcess.Example("mnist-mlp.json"), "--epochs", "1", "--checkpoint-dir", runs, "--data-dir", DtrainProcess.MnistDir(), "--summary", summaryPath);
        Assert.True(train.ExitCode == 0, train.Stdout + train.Stderr);
        var job = Assert.Single(Directory.GetDirectories(runs));
        var modelPath = Path.Combine(_dir, "mlp.dtmodel");

        // Act
        var export = DtrainProcess.Run(Limit, "export", job, "--output", modelPath);
        var eval = DtrainProcess.Run(Limit, "eval", modelPath, "--data-dir", DtrainProcess.MnistDir());
        var predict = DtrainProcess.Run(Limit, "predict", modelPath, Path.Combine(DtrainProcess.MnistDir(), "t10k-images-idx3-ubyte"), "--first", "3");

        // Assert: the same parameters score the same on the same test set, in a process that never trained.
        Assert.True(export.ExitCode == 0, export.Stdout + export.Stderr);
        Assert.True(eval.ExitCode == 0, eval.Stdout + eval.Stderr);
        using var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        var reported = summary.RootElement.GetProperty("test_accuracy").GetDouble().ToString("P2", CultureInfo.InvariantCulture);
        Assert.Matches($@"all\s+10,000\s+{System.Text.RegularExpressions.Regex.Escape(reported)}", eval.Stdout);

        // MNIST's first three test images are a 7, a 2 and a 1.
        Assert.True(predict.ExitCode == 0, predict.Stdout + predict.Stderr);
        Assert.Matches(@"\n0\s+7\s", predict.Stdout);
        Assert.Matches(@"\n1\s+2\s", predict.Stdout);
        Assert.Matches(@"\n2\s+1\s", predict.Stdout);
    }

    [Fact]
    public void Eval_of_a_damaged_or_foreign_file_says_what_is_wrong_with_it_in_one_line()
    {
        var foreign = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(foreign, "not a model");

        var result = DtrainProcess.Run(Limit, "eval", foreign);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"dtrain: error: {foreign}: not a dtrain trained model (write one with dtrain export)", result.Stderr.Trim());
    }
}
