// The README's first command for real: dtrain trains mnist-mlp on real MNIST through shards and workers.
using System.Text.Json;

namespace Dtrain.Cli.Tests;

public sealed class TrainEndToEndTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-train-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Mnist_mlp_with_two_workers_and_two_shards_reaches_97_5_percent_in_three_epochs()
    {
        var summaryPath = Path.Combine(_dir, "summary.json");

        var result = DtrainProcess.Run(
            TimeSpan.FromMinutes(5),
            "train", DtrainProcess.Example("mnist-mlp.json"), "--workers", "2", "--ps-shards", "2", "--epochs", "3",
            "--data-dir", DtrainProcess.MnistDir(), "--summary", summaryPath);

        Assert.True(result.ExitCode == 0, $"dtrain failed:\n{result.Stdout}\n{result.Stderr}");
        using var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        var root = summary.RootElement;
        Assert.True(root.GetProperty("test_accuracy").GetDouble() >= 0.975, $"accuracy too low:\n{result.Stdout}");
        Assert.True(root.GetProperty("best_test_accuracy").GetDouble() >= root.GetProperty("test_accuracy").GetDouble());
        Assert.Equal(3, root.GetProperty("epochs").GetInt32());
        Assert.Equal(2, root.GetProperty("workers").GetInt32());
        Assert.Equal(2, root.GetProperty("ps_shards").GetInt32());
        Assert.True(root.GetProperty("train_examples_per_second").GetDouble() > 0);
        Assert.True(root.GetProperty("wall_seconds").GetDouble() > 0);
        Assert.Equal(3, root.GetProperty("history").GetArrayLength());
        Assert.Contains("epoch  train_loss", result.Stdout);
        Assert.Contains("test accuracy (final)", result.Stdout);
    }
}
