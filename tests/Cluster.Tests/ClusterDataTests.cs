// Cluster mode on the user's own files, with real processes over TCP: the coordinator learns the schema and keeps an
// index of the training rows; each worker node reads and encodes the CSV itself; a node that cannot read it fails the job.
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dtrain.Cluster.Tests;

public sealed class ClusterDataTests : IDisposable
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(3);

    /// <summary>An MLP whose input width and class count come from the data ("auto").</summary>
    private const string Model = """
        {
          "name": "shapes-mlp",
          "inputs": [
            { "name": "x", "shape": "auto", "dtype": "float32" },
            { "name": "label", "shape": [], "dtype": "int32" }
          ],
          "nodes": [
            { "id": "fc1", "op": "dense", "inputs": ["x"], "attrs": { "units": 16, "activation": "relu" } },
            { "id": "logits", "op": "dense", "inputs": ["fc1"], "attrs": { "units": "auto" } },
            { "id": "loss", "op": "softmax_cross_entropy", "inputs": ["logits", "label"] }
          ],
          "loss": "loss",
          "output": "logits",
          "training": { "optimizer": "adam", "lr": 0.01, "batch": 32, "epochs": 3, "seed": 7, "partition_size": 100 }
        }
        """;

    private readonly LocalCluster _cluster = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-cluster-data-").FullName;
    private readonly string _summary;
    private readonly string _model;
    private readonly string _train;
    private readonly string _test;

    public ClusterDataTests()
    {
        _summary = Path.Combine(_dir, "summary.json");
        _model = Path.Combine(_dir, "shapes-mlp.json");
        _train = Path.Combine(_dir, "shapes-train.csv");
        _test = Path.Combine(_dir, "shapes-test.csv");
        File.WriteAllText(_model, Model);
        WriteShapes(_train, 600, seed: 1);
        WriteShapes(_test, 200, seed: 2);
    }

    [Fact]
    public void A_csv_job_trains_on_two_worker_nodes_that_read_the_file_themselves_while_the_coordinator_keeps_an_index()
    {
        // Arrange: a coordinator-only node, a PS node and two worker nodes.
        var coordinator = StartNode("coordinator");
        StartNode("ps");
        var workers = new[] { StartNode("worker", "--threads", "1"), StartNode("worker", "--threads", "1") };

        // Act
        var (code, output) = _cluster.Run(
            JobTimeout, "submit", _model, "--cluster", _cluster.Seed, "--train", _train, "--test", _test, "--label", "shape",
            "--workers", "2", "--ps-shards", "1", "--summary", _summary);

        // Assert: a sane accuracy on three well-separated classes, from rows the workers read themselves.
        Assert.True(code == 0, $"submit exited {code}:\n{output}\n{_cluster.Logs()}");
        using var summary = JsonDocument.Parse(File.ReadAllText(_summary));
        var accuracy = summary.RootElement.GetProperty("test_accuracy").GetDouble();
        Assert.True(accuracy >= 0.9, $"test accuracy {accuracy:P2} < 90 %:\n{output}");
        Assert.Equal(2, summary.RootElement.GetProperty("workers").GetInt32());
        Assert.Contains("the coordinator keeps an index of 600 training rows; each worker node reads them itself", coordinator.Output);
        foreach (var worker in workers)
        {
            Assert.Contains($"data: encoding {Path.GetFileName(_train)} (csv, 1 file(s))", worker.Output);
            Assert.DoesNotContain(Path.GetFileName(_test), worker.Output); // the test set is the coordinator's to score
        }
    }

    [Fact]
    public void A_worker_node_that_cannot_read_the_jobs_file_fails_the_job_in_one_line_naming_the_node_and_the_path()
    {
        // Arrange: the coordinator reads the file and accepts the job; the file is gone from the disk the worker sees.
        StartNode("coordinator");
        StartNode("ps");
        var submit = _cluster.Start("submit", ["submit", _model, "--cluster", _cluster.Seed, "--train", _train, "--test", _test, "--label", "shape", "--workers", "1", "--ps-shards", "1"]);
        Assert.True(submit.WaitFor(" submitted to ", JobTimeout), $"the job was not accepted:\n{submit.Output}\n{_cluster.Logs()}");
        File.Delete(_train);

        // Act
        var worker = StartNode("worker", "--threads", "1");
        var finished = submit.Process.WaitForExit(JobTimeout);

        // Assert
        Assert.True(finished, $"the job did not end:\n{submit.Output}\n{_cluster.Logs()}");
        submit.Process.WaitForExit();
        Assert.Equal(1, submit.Process.ExitCode);
        var error = Assert.Single(submit.Output.Split('\n'), l => l.StartsWith("dtrain: error:", StringComparison.Ordinal)).TrimEnd('\r');
        Assert.Matches(
            $"^dtrain: error: job shapes-mlp-[0-9-]+ failed: worker 0: node akka.tcp://dtrain@{System.Text.RegularExpressions.Regex.Escape(worker.Endpoint)} cannot read the job's data: {System.Text.RegularExpressions.Regex.Escape(_train)}: no such file or folder$",
            error);
    }

    /// <summary>A node with an encoded-data cache of its own, as a node on its own machine has: each encodes the files itself.</summary>
    private NodeProcess StartNode(string roles, params string[] extra)
    {
        _cluster.Environment["DTRAIN_CACHE"] = Path.Combine(_dir, $"cache-{Guid.NewGuid():N}");
        return _cluster.StartNode(roles, extra);
    }

    public void Dispose()
    {
        _cluster.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Three blobs in three numeric columns, a colour column of noise (one-hot), and a text label.</summary>
    private static void WriteShapes(string path, int rows, int seed)
    {
        var random = new Random(seed);
        string[] names = ["circle", "square", "triangle"];
        double[][] centres = [[0, 0, 0], [3, 3, 0], [0, 3, 3]];
        var text = new StringBuilder("width,height,depth,colour,shape\n");
        for (var i = 0; i < rows; i++)
        {
            var c = random.Next(3);
            var cells = centres[c].Select(m => (m + Gaussian(random)).ToString("F3", CultureInfo.InvariantCulture));
            text.Append(CultureInfo.InvariantCulture, $"{string.Join(',', cells)},{(random.Next(2) == 0 ? "red" : "blue")},{names[c]}\n");
        }

        File.WriteAllText(path, text.ToString());
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
