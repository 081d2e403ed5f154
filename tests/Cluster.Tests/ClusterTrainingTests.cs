// Real processes on loopback: a coordinator, two PS nodes and two worker nodes train MNIST through dtrain submit;
// one test kills a worker process mid-job and checks that every partition of every epoch was still trained.
using System.Text.Json;

namespace Dtrain.Cluster.Tests;

public sealed class ClusterTrainingTests : IDisposable
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(5);
    private readonly LocalCluster _cluster = new();
    private readonly string _summary = Path.Combine(Path.GetTempPath(), $"dtrain-cluster-{Guid.NewGuid():N}.json");

    [Fact]
    public void Coordinator_two_shards_and_two_workers_as_processes_train_mnist_mlp_to_97_percent_in_3_epochs()
    {
        // Arrange
        StartCluster(workers: 2);

        // Act: the job file names mnist-mlp.json with 2 workers, 2 shards, 3 epochs.
        var (code, output) = _cluster.Run(JobTimeout, "submit", LocalCluster.Example("mnist-mlp-job.json"), "--cluster", _cluster.Seed, "--summary", _summary);

        // Assert
        Assert.True(code == 0, $"submit exited {code}:\n{output}\n{_cluster.Logs()}");
        using var summary = JsonDocument.Parse(File.ReadAllText(_summary));
        var root = summary.RootElement;
        Assert.True(root.GetProperty("test_accuracy").GetDouble() >= 0.97, $"test accuracy {root.GetProperty("test_accuracy").GetDouble():P2} < 97 %:\n{output}");
        Assert.Equal(3, root.GetProperty("epochs").GetInt32());
        Assert.Equal(2, root.GetProperty("workers").GetInt32());
        Assert.Equal(2, root.GetProperty("ps_shards").GetInt32());
        AssertEveryPartitionTrained(root, output);
    }

    [Fact]
    public void Sync_rounds_with_a_backup_worker_as_processes_train_mnist_mlp_to_97_percent_in_3_epochs()
    {
        // Arrange
        StartCluster(workers: 2);

        // Act: two workers, one of them a backup: each round applies the first push and drops the late one.
        // Half the gradients are dropped, so the rounds see half the data: batch 64 gives them as many updates as
        // asynchronous training makes at batch 128, and a cosine schedule settles them (97.3 % -> 97.7 % in one process).
        var (code, output) = _cluster.Run(
            JobTimeout, "submit", LocalCluster.Example("mnist-mlp.json"), "--cluster", _cluster.Seed, "--workers", "2", "--ps-shards", "2",
            "--epochs", "3", "--batch", "64", "--lr-schedule", "cosine", "--mode", "sync", "--backup-workers", "1", "--summary", _summary);

        // Assert
        Assert.True(code == 0, $"submit exited {code}:\n{output}\n{_cluster.Logs()}");
        using var summary = JsonDocument.Parse(File.ReadAllText(_summary));
        var root = summary.RootElement;
        Assert.True(root.GetProperty("test_accuracy").GetDouble() >= 0.97, $"test accuracy {root.GetProperty("test_accuracy").GetDouble():P2} < 97 %:\n{output}");
        Assert.Equal("sync", root.GetProperty("mode").GetString());
        Assert.True(root.GetProperty("rounds").GetInt64() > 0, output);
        Assert.True(root.GetProperty("late_pushes_dropped").GetInt64() > 0, $"a backup worker's late pushes are dropped:\n{output}");
        Assert.Equal(0, root.GetProperty("max_staleness").GetInt64());
        AssertEveryPartitionTrained(root, output);
    }

    [Fact]
    public void Killing_a_worker_process_mid_job_still_trains_every_partition_of_every_epoch()
    {
        // Arrange
        var workers = StartCluster(workers: 2);
        var submit = _cluster.Start("submit", ["submit", LocalCluster.Example("mnist-mlp.json"), "--cluster", _cluster.Seed, "--workers", "2", "--ps-shards", "2", "--epochs", "2", "--summary", _summary]);

        // Act: epoch 1's line means epoch 2 has just been handed out, a partition to each worker.
        Assert.True(submit.WaitFor("    1  ", JobTimeout), $"epoch 1 never finished:\n{submit.Output}\n{_cluster.Logs()}");
        Thread.Sleep(1000); // a second into epoch 2: the victim is inside its partition, pushes in flight
        Assert.False(submit.Process.HasExited, "the job ended before the worker could be killed");
        workers[1].Kill();
        var finished = submit.Process.WaitForExit(JobTimeout);

        // Assert
        Assert.True(finished, $"the job did not finish after a worker died:\n{submit.Output}\n{_cluster.Logs()}");
        submit.Process.WaitForExit();
        Assert.True(submit.Process.ExitCode == 0, $"submit exited {submit.Process.ExitCode}:\n{submit.Output}\n{_cluster.Logs()}");
        using var summary = JsonDocument.Parse(File.ReadAllText(_summary));
        Assert.Equal(2, summary.RootElement.GetProperty("epochs").GetInt32());
        AssertEveryPartitionTrained(summary.RootElement, submit.Output);
        Assert.Contains("partition(s) go back to the queue", _coordinator!.Output); // the coordinator saw the death
    }

    [Fact]
    public void Shards_and_workers_register_again_with_a_new_coordinator_after_the_old_one_dies()
    {
        // Arrange: two coordinator nodes; the singleton runs on the oldest, the seed.
        var first = _cluster.StartNode("coordinator");
        var second = _cluster.StartNode("coordinator");
        var ps = _cluster.StartNode("ps");
        var worker = _cluster.StartNode("worker");
        foreach (var node in new[] { second, ps, worker })
        {
            Assert.True(node.WaitFor(" up, roles ", JobTimeout), node.Output);
        }

        // Act: the singleton's node dies; the job goes to the survivor, which must learn the shard and worker anew.
        first.Kill();
        var (code, output) = _cluster.Run(JobTimeout, "submit", LocalCluster.Example("mnist-mlp.json"), "--cluster", second.Endpoint, "--epochs", "1", "--timeout", "60", "--summary", _summary);

        // Assert
        Assert.True(code == 0, $"submit to the surviving coordinator exited {code}:\n{output}\n{_cluster.Logs()}");
        using var summary = JsonDocument.Parse(File.ReadAllText(_summary));
        AssertEveryPartitionTrained(summary.RootElement, output);
    }

    public void Dispose()
    {
        _cluster.Dispose();
        File.Delete(_summary);
    }

    private NodeProcess? _coordinator;

    private List<NodeProcess> StartCluster(int workers)
    {
        _coordinator = _cluster.StartNode("coordinator");
        _cluster.StartNode("ps");
        _cluster.StartNode("ps");
        // The worker processes share the cores, as dtrain train's replicas do.
        var threads = Math.Max(1, Environment.ProcessorCount / workers).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Enumerable.Range(0, workers).Select(_ => _cluster.StartNode("worker", "--threads", threads)).ToList();
    }

    private static void AssertEveryPartitionTrained(JsonElement root, string output)
    {
        foreach (var epoch in root.GetProperty("history").EnumerateArray())
        {
            var partitions = epoch.GetProperty("partitions").GetInt32();
            Assert.True(partitions > 0, $"epoch {epoch.GetProperty("epoch")} reports no partitions:\n{output}");
            Assert.Equal(partitions, epoch.GetProperty("partitions_trained").GetInt32());
        }
    }
}
