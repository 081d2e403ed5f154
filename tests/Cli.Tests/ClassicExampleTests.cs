// The classic examples train as shipped through coordinator, shards and workers: threshold units learn AND and OR and
// the summary says why XOR stops at 75%, a Hopfield network recalls the digits it stored, an RBM's reconstruction
// error falls epoch by epoch.
using System.Text.Json;

namespace Dtrain.Cli.Tests;

public sealed class ClassicExampleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-classic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Dictionary<string, string> Environment => new() { ["DTRAIN_CACHE"] = Path.Combine(_dir, "cache") };

    private (ProcessResult Result, JsonElement Summary) Train(string example, params string[] args)
    {
        var summary = Path.Combine(_dir, $"{example}.summary.json");
        var result = DtrainProcess.Run(TimeSpan.FromMinutes(4), Environment, ["train", DtrainProcess.Example(example), .. args, "--no-checkpoint", "--summary", summary]);
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        return (result, JsonDocument.Parse(File.ReadAllText(summary)).RootElement);
    }

    [Theory]
    [InlineData("tlu-and.json")]
    [InlineData("tlu-or.json")]
    public void Threshold_unit_learns_a_separable_gate_to_every_row(string example)
    {
        // Act
        var (result, summary) = Train(example);

        // Assert
        Assert.Equal(1.0, summary.GetProperty("test_accuracy").GetDouble());
        Assert.True(summary.GetProperty("linearly_separable").GetBoolean());
        Assert.Equal(1.0, summary.GetProperty("threshold_unit_best_accuracy").GetDouble());
        Assert.Contains("is linearly separable", result.Stdout);
    }

    [Fact]
    public void Threshold_unit_on_xor_is_reported_unable_to_pass_three_quarters()
    {
        // Act
        var (result, summary) = Train("tlu-xor.json");

        // Assert: decided from the data, and the unit indeed never did better.
        Assert.False(summary.GetProperty("linearly_separable").GetBoolean());
        Assert.Equal(0.75, summary.GetProperty("threshold_unit_best_accuracy").GetDouble());
        Assert.True(summary.GetProperty("best_test_accuracy").GetDouble() <= 0.75);
        Assert.Contains("cannot classify more than 75.00 % of its examples", summary.GetProperty("note").GetString());
        Assert.Contains("cannot classify more than 75.00 %", result.Stdout);
    }

    [Fact]
    public void Hopfield_network_recalls_two_stored_digits_from_a_tenth_of_their_bits_flipped()
    {
        // Act: two digits stored (MNIST digits share most of their background: from three on, Hebbian storage mixes them).
        var (_, summary) = Train("hopfield-mnist.json", "--limit", "2", "--data-dir", DtrainProcess.MnistDir());

        // Assert
        Assert.Equal("unsupervised", summary.GetProperty("task").GetString());
        Assert.True(summary.GetProperty("recall_accuracy").GetDouble() >= 0.98, summary.GetRawText());
        Assert.False(summary.TryGetProperty("test_accuracy", out _));
    }

    [Fact]
    public void Rbm_reconstruction_error_falls_every_epoch()
    {
        // Act: the first 3,000 digits, its ten epochs of CD-1.
        var (_, summary) = Train("mnist-rbm.json", "--limit", "3000", "--data-dir", DtrainProcess.MnistDir());

        // Assert
        var losses = summary.GetProperty("history").EnumerateArray().Select(e => e.GetProperty("train_loss").GetDouble()).ToArray();
        Assert.Equal(10, losses.Length);
        Assert.True(losses.Zip(losses.Skip(1)).All(p => p.Item2 < p.Item1), string.Join(", ", losses));
        Assert.True(summary.GetProperty("test_loss").GetDouble() < losses[0], summary.GetRawText());
    }
}
