// The XOR and autoencoder examples train as shipped with their one command, and a trained model starts another
// through init_from: the transferred parameters are the file's.
using System.Text.Json;
using Dtrain.Protocol.Persistence;

namespace Dtrain.Cli.Tests;

/// <summary>examples/xor-mlp.json trained and exported once for the tests that use it.</summary>
public sealed class XorJob : IDisposable
{
    public XorJob()
    {
        Dir = Directory.CreateTempSubdirectory("dtrain-xor-").FullName;
        Environment = new Dictionary<string, string> { ["DTRAIN_CACHE"] = Path.Combine(Dir, "cache") };
        SummaryFile = Path.Combine(Dir, "xor-summary.json");
        var runs = Path.Combine(Dir, "runs");
        Training = DtrainProcess.Run(TimeSpan.FromMinutes(4), Environment, "train", DtrainProcess.Example("xor-mlp.json"), "--summary", SummaryFile, "--checkpoint-dir", runs);
        Exported = Path.Combine(Dir, "xor.dtmodel");
        Export = Training.ExitCode == 0
            ? DtrainProcess.Run(TimeSpan.FromMinutes(2), Environment, "export", Directory.GetDirectories(runs).Single(), "--output", Exported)
            : Training;
    }

    public string Dir { get; }

    public IReadOnlyDictionary<string, string> Environment { get; }

    public string SummaryFile { get; }

    public string Exported { get; }

    public ProcessResult Training { get; }

    public ProcessResult Export { get; }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

public sealed class GenerativeExampleTests(XorJob xor) : IClassFixture<XorJob>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-examples-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Xor_mlp_learns_xor_to_100_percent_as_shipped()
    {
        Assert.True(xor.Training.ExitCode == 0, xor.Training.Stderr + xor.Training.Stdout);
        using var summary = JsonDocument.Parse(File.ReadAllText(xor.SummaryFile));
        Assert.Equal(1.0, summary.RootElement.GetProperty("test_accuracy").GetDouble());
    }

    [Fact]
    public void A_model_started_from_a_trained_file_starts_from_its_values_under_other_names()
    {
        // Arrange: the trained XOR net's layers under new node names, mapped back to the file's; a learning rate so
        // small that one epoch cannot move a parameter by 1e-6, so what is exported after training is where it started.
        Assert.True(xor.Export.ExitCode == 0, xor.Export.Stderr + xor.Export.Stdout);
        var data = Path.GetDirectoryName(DtrainProcess.Example("data/xor.csv"))!;
        var model = Path.Combine(_dir, "xor-transfer.json");
        File.WriteAllText(model, $$"""
            {
              "name": "xor-transfer",
              "init_from": { "file": "{{Escape(Path.GetRelativePath(_dir, xor.Exported))}}", "map": { "h": "hidden", "out.weight": "logits.weight", "out.bias": "logits.bias" }, "strict": true },
              "inputs": [ { "name": "ab", "shape": [2] }, { "name": "xor", "shape": [], "dtype": "int32" } ],
              "nodes": [
                { "id": "h", "op": "dense", "inputs": ["ab"], "attrs": { "units": 8, "activation": "tanh" } },
                { "id": "out", "op": "dense", "inputs": ["h"], "attrs": { "units": 2 } },
                { "id": "loss", "op": "softmax_cross_entropy", "inputs": ["out", "xor"] }
              ],
              "loss": "loss", "output": "out",
              "training": {
                "data": { "train": "{{Escape(Path.Combine(data, "xor.csv"))}}", "test": "{{Escape(Path.Combine(data, "xor-truth.csv"))}}", "label": "xor", "normalize": "none" },
                "optimizer": "sgd", "lr": 1e-12, "batch": 16, "epochs": 1, "seed": 5, "partition_size": 64
              }
            }
            """);
        var runs = Path.Combine(_dir, "runs");
        var summaryFile = Path.Combine(_dir, "summary.json");

        // Act
        var train = DtrainProcess.Run(TimeSpan.FromMinutes(4), xor.Environment, "train", model, "--summary", summaryFile, "--checkpoint-dir", runs);
        Assert.True(train.ExitCode == 0, train.Stderr + train.Stdout);
        var exported = Path.Combine(_dir, "transfer.dtmodel");
        var export = DtrainProcess.Run(TimeSpan.FromMinutes(2), xor.Environment, "export", Directory.GetDirectories(runs).Single(), "--output", exported);
        Assert.True(export.ExitCode == 0, export.Stderr + export.Stdout);

        // Assert: every tensor is the file's (same layout: h <- hidden, out <- logits), and so is the accuracy.
        Assert.Contains("init_from: 4 of 4 parameter tensor(s) start from", train.Stdout);
        var source = TrainedModel.Read(xor.Exported).Parameters;
        var started = TrainedModel.Read(exported).Parameters;
        Assert.Equal(source.Length, started.Length);
        for (var i = 0; i < source.Length; i++)
        {
            Assert.Equal(source[i], started[i], 1e-6f);
        }

        using var summary = JsonDocument.Parse(File.ReadAllText(summaryFile));
        Assert.Equal(1.0, summary.RootElement.GetProperty("test_accuracy").GetDouble());
    }

    [Fact]
    public void Init_from_a_missing_file_is_one_line_naming_the_model_and_the_file()
    {
        var model = Path.Combine(_dir, "m.json");
        File.WriteAllText(model, """
            { "init_from": "nowhere.dtmodel",
              "inputs": [ { "name": "x", "shape": [2] }, { "name": "y", "shape": [], "dtype": "int32" } ],
              "nodes": [ { "id": "fc", "op": "dense", "inputs": ["x"], "attrs": { "units": 2 } },
                         { "id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc", "y"] } ],
              "loss": "loss", "output": "fc",
              "training": { "data": { "train": "DATA", "label": "xor" } } }
            """.Replace("DATA", Escape(DtrainProcess.Example("data/xor.csv")), StringComparison.Ordinal));

        var result = DtrainProcess.Run(TimeSpan.FromMinutes(2), xor.Environment, "train", model, "--no-checkpoint");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"dtrain: error: {model}: init_from: {Path.Combine(_dir, "nowhere.dtmodel")}: cannot read the trained model", line);
    }

    [Fact]
    public void Mnist_autoencoder_reports_a_falling_reconstruction_mse()
    {
        // Two epochs of the shipped example (its one command, with fewer epochs): the summary carries the figure.
        var summaryFile = Path.Combine(_dir, "ae.json");
        var result = DtrainProcess.Run(
            TimeSpan.FromMinutes(6), xor.Environment,
            "train", DtrainProcess.Example("mnist-autoencoder.json"), "--data-dir", DtrainProcess.MnistDir(), "--epochs", "2", "--summary", summaryFile, "--no-checkpoint");

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        using var summary = JsonDocument.Parse(File.ReadAllText(summaryFile));
        var root = summary.RootElement;
        Assert.Equal("reconstruction", root.GetProperty("task").GetString());
        var history = root.GetProperty("history").EnumerateArray().Select(e => e.GetProperty("test_mse").GetDouble()).ToArray();
        Assert.Equal(2, history.Length);
        Assert.True(history[1] < history[0], $"test MSE {history[0]} then {history[1]}");
        Assert.Equal(history[1], root.GetProperty("reconstruction_mse").GetDouble());
        Assert.True(history[1] < 0.03, $"reconstruction MSE {history[1]}");
    }

    private static string Escape(string path) => JsonEncodedText.Encode(path).ToString();
}
