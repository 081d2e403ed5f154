// A training program through coordinator, shards and workers in a real dtrain process: each phase and sub-step
// changes only its groups' parameters, a frozen group stays bit for bit, async and sync with a backup worker both
// finish, and a job killed in the middle of a phase resumes in that phase.
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dtrain.Cli.Tests.Telemetry;
using Dtrain.Models.Graph;

namespace Dtrain.Cli.Tests;

public sealed class ProgramTrainingTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    // Two heads, A (with a frozen embedding F added to its logits) and B, each with its own loss.
    // Phases: A alone, then A and B in turn (one minibatch each), then B alone.
    private const string ModelJson = """
        {
          "name": "two-heads",
          "inputs": [{"name": "x", "shape": [4]}, {"name": "y", "shape": [], "dtype": "int32"}],
          "nodes": [
            {"id": "a_fc", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}},
            {"id": "emb", "op": "dense", "inputs": ["x"], "attrs": {"units": 3, "bias_init": {"type": "uniform", "scale": 0.5}}},
            {"id": "a_out", "op": "add", "inputs": ["a_fc", "emb"]},
            {"id": "a_loss", "op": "softmax_cross_entropy", "inputs": ["a_out", "y"]},
            {"id": "b_fc", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}},
            {"id": "b_loss", "op": "softmax_cross_entropy", "inputs": ["b_fc", "y"]}
          ],
          "groups": [
            {"name": "A", "params": ["a_*"]},
            {"name": "B", "params": ["b_fc"], "optimizer": "adam", "lr": 0.01},
            {"name": "F", "params": ["emb"], "frozen": true}
          ],
          "program": [
            {"name": "a-only", "epochs": 1, "loss": "a_loss", "groups": ["A"]},
            {"name": "alternate", "epochs": EPOCHS, "steps": [{"loss": "a_loss", "groups": ["A"]}, {"loss": "b_loss", "groups": ["B"]}]},
            {"name": "b-only", "epochs": 1, "loss": "b_loss", "groups": ["B"]}
          ],
          "training": {"optimizer": "sgd", "lr": 0.1, "batch": BATCH, "partition_size": 256, "seed": 3}
        }
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-program-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Each_phase_changes_only_its_groups_and_a_frozen_group_stays_bit_for_bit()
    {
        // Arrange
        var (model, file) = Model(alternateEpochs: 2, batch: 16);
        var (train, test) = Data(rows: 600);
        var summaryPath = Path.Combine(_dir, "summary.json");

        // Act: async, two workers, a checkpoint at every epoch end (kept).
        var result = DtrainProcess.Run(Limit, Environment, "train", file, "--train", train, "--test", test, "--label", "label", "--workers", "2",
            "--checkpoint-dir", Path.Combine(_dir, "runs"), "--keep-checkpoints", "10", "--summary", summaryPath);

        // Assert
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        var byEpoch = await ParametersByEpoch(model, Assert.Single(Directory.GetDirectories(Path.Combine(_dir, "runs"))));
        var initial = model.InitialParameters(3);
        Assert.Equal([1, 2, 3, 4], byEpoch.Keys.Order());
        AssertGroups(model, initial, byEpoch[1], changed: ["A"], unchanged: ["B", "F"]);
        AssertGroups(model, byEpoch[1], byEpoch[3], changed: ["A", "B"], unchanged: ["F"]);
        AssertGroups(model, byEpoch[3], byEpoch[4], changed: ["B"], unchanged: ["A", "F"]);
        AssertGroups(model, initial, byEpoch[4], changed: ["A", "B"], unchanged: ["F"]);
        Assert.Matches(@"\n\s+3\s+alternate\s", result.Stdout);

        using var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        var phases = summary.RootElement.GetProperty("phases").EnumerateArray().ToArray();
        Assert.Equal(["a-only", "alternate", "b-only"], phases.Select(p => p.GetProperty("name").GetString()));
        Assert.Equal([1, 2, 1], phases.Select(p => p.GetProperty("epochs").GetInt32()));
        Assert.All(phases, p => Assert.True(p.GetProperty("examples_per_second").GetDouble() > 0));
        Assert.Equal(4, summary.RootElement.GetProperty("epochs").GetInt32());
    }

    [Fact]
    public void Sync_with_a_backup_worker_runs_the_program_to_its_end()
    {
        // Arrange
        var (_, file) = Model(alternateEpochs: 2, batch: 16);
        var (train, test) = Data(rows: 600);
        var summaryPath = Path.Combine(_dir, "summary.json");

        // Act
        var result = DtrainProcess.Run(Limit, Environment, "train", file, "--train", train, "--test", test, "--label", "label", "--mode", "sync",
            "--workers", "3", "--backup-workers", "1", "--no-checkpoint", "--summary", summaryPath);

        // Assert
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        using var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        Assert.Equal("sync", summary.RootElement.GetProperty("mode").GetString());
        Assert.Equal(3, summary.RootElement.GetProperty("phases").GetArrayLength());
        Assert.True(summary.RootElement.GetProperty("test_accuracy").GetDouble() > 0.6, result.Stdout);
    }

    [Fact]
    public void Epochs_flag_with_a_program_is_one_line_saying_epochs_are_per_phase()
    {
        var (_, file) = Model(alternateEpochs: 2, batch: 16);
        var (train, _) = Data(rows: 100);

        var result = DtrainProcess.Run(Limit, Environment, "train", file, "--train", train, "--label", "label", "--epochs", "7", "--no-checkpoint");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--epochs does not apply to", line);
        Assert.Contains("its epochs are per phase (a-only 1, alternate 2, b-only 1; 4 in all)", line);
    }

    [Fact]
    public void A_job_killed_in_the_middle_of_a_phase_resumes_in_that_phase()
    {
        // Arrange: small batches and a long middle phase, so the kill lands inside it even when the test process hears
        // of the checkpoint late (on a loaded machine the output can lag by seconds).
        var (_, file) = Model(alternateEpochs: 24, batch: 2);
        var (train, test) = Data(rows: 1200);
        var runs = Path.Combine(_dir, "runs");
        using (var first = BackgroundProcess.Dtrain(["train", file, "--train", train, "--test", test, "--label", "label", "--checkpoint-dir", runs]))
        {
            WaitFor(first, new Regex(@"checkpoint \d+ saved \([^)]*resumes at epoch 3,"));
        } // Dispose kills the process (SIGKILL)

        var job = Assert.Single(Directory.GetDirectories(runs));

        // Act
        var resumed = DtrainProcess.Run(Limit, Environment, "resume", job);

        // Assert: it continues at an epoch of the middle phase (2 to 25), and names it.
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        var from = Regex.Match(resumed.Stdout, @"resumed from checkpoint \d+ \(dtrain resume\): epoch (\d+),");
        Assert.True(from.Success, resumed.Stdout);
        var epoch = int.Parse(from.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(epoch, 3, 25);
        Assert.Matches($@"\n\s+{epoch}\s+alternate\s", resumed.Stdout);
        Assert.Matches(@"\n\s+26\s+b-only\s", resumed.Stdout);
    }

    private Dictionary<string, string> Environment => new() { ["DTRAIN_CACHE"] = Path.Combine(_dir, "cache") };

    private (CompiledModel Model, string File) Model(int alternateEpochs, int batch)
    {
        var json = ModelJson.Replace("EPOCHS", alternateEpochs.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("BATCH", batch.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var file = Path.Combine(_dir, "two-heads.json");
        File.WriteAllText(file, json);
        return (ModelCompiler.Compile(ModelParser.Parse(json, file)), file);
    }

    /// <summary>TinyJob's data as CSV: the class is the index of the largest of the first three features.</summary>
    private (string Train, string Test) Data(int rows)
    {
        var rng = new Random(7);
        string Table(string name, int n)
        {
            var lines = Enumerable.Range(0, n).Select(_ =>
            {
                var label = rng.Next(3);
                var f = Enumerable.Range(0, 4).Select(i => rng.NextDouble() + (i == label ? 1 : 0)).ToArray();
                return string.Create(CultureInfo.InvariantCulture, $"{f[0]:F4},{f[1]:F4},{f[2]:F4},{f[3]:F4},{label}");
            });
            var path = Path.Combine(_dir, name);
            File.WriteAllText(path, "a,b,c,d,label\n" + string.Join("\n", lines) + "\n");
            return path;
        }

        return (Table("train.csv", rows), Table("test.csv", rows / 5));
    }

    /// <summary>The parameters of each epoch-end checkpoint of the job in <paramref name="folder"/>, by epoch.</summary>
    private static async Task<Dictionary<int, float[]>> ParametersByEpoch(CompiledModel model, string folder)
    {
        var (jobId, storage) = (Path.GetFileName(folder), Protocol.Persistence.Storage.Sqlite(Path.Combine(folder, "dtrain.db")));
        var record = (await LocalJob.ReadJournalAsync(storage, jobId))!;
        var result = new Dictionary<int, float[]>();
        foreach (var checkpoint in record.Checkpoints.Where(c => c.DonePartitions.Length == 0 && c.Epoch > 1))
        {
            result[checkpoint.Epoch - 1] = await ExportCommand.LoadParametersAsync(storage, jobId, model, model.Spec.Training, checkpoint.Id);
        }

        return result;
    }

    private static void AssertGroups(CompiledModel model, float[] before, float[] after, string[] changed, string[] unchanged)
    {
        float[] Of(float[] flat, string group)
        {
            var g = model.Program.Groups.Select((x, i) => (x, i)).Single(p => p.x.Name == group).i;
            return model.Parameters.Where(p => model.Program.GroupOf(p.Index) == g).SelectMany(p => flat.AsSpan(p.Offset, p.Size).ToArray()).ToArray();
        }

        foreach (var group in changed)
        {
            Assert.NotEqual(Of(before, group), Of(after, group));
        }

        foreach (var group in unchanged)
        {
            Assert.Equal(Of(before, group).Select(BitConverter.SingleToInt32Bits), Of(after, group).Select(BitConverter.SingleToInt32Bits));
        }
    }

    /// <summary>Waits (within <see cref="Limit"/>) until <paramref name="process"/> has printed a line matching <paramref name="pattern"/>.</summary>
    internal static void WaitFor(BackgroundProcess process, Regex pattern)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (!pattern.IsMatch(process.Output))
        {
            Assert.False(process.HasExited, $"dtrain ended before '{pattern}':\n{process.Output}");
            Assert.True(DateTime.UtcNow < deadline, $"no '{pattern}' within {Limit}:\n{process.Output}");
            Thread.Sleep(50);
        }
    }
}
