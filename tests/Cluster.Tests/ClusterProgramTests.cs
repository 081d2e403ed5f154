// A training program on a cluster of real processes over TCP: a tiny GAN's discriminator and generator groups take
// turns through parameter-server and worker nodes, asynchronously and then in synchronous rounds with a backup worker.
using System.Text.Json;
using Dtrain.Tests;

namespace Dtrain.Cluster.Tests;

public sealed class ClusterProgramTests : IDisposable
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(3);

    private readonly LocalCluster _cluster = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-cluster-program-").FullName;

    public void Dispose()
    {
        _cluster.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void A_gan_program_runs_on_worker_and_shard_nodes_async_and_in_sync_rounds_with_a_backup_worker()
    {
        // Arrange: a coordinator that hosts a shard too, a PS node for the second shard, and three worker nodes.
        var model = Path.Combine(_dir, "tiny-gan.json");
        File.WriteAllText(model, TinyGan.ModelJson);
        var (train, test) = (Path.Combine(_dir, "train.csv"), Path.Combine(_dir, "test.csv"));
        TinyGan.WritePoints(train, 2000, seed: 1);
        TinyGan.WritePoints(test, 200, seed: 2);
        _cluster.StartNode("coordinator,ps");
        _cluster.StartNode("ps");
        for (var i = 0; i < 3; i++)
        {
            _cluster.StartNode("worker", "--threads", "1");
        }

        string[] job = ["--cluster", _cluster.Seed, "--train", train, "--test", test, "--label", "label", "--task", "unsupervised", "--ps-shards", "2"];
        var (asyncSummary, syncSummary) = (Path.Combine(_dir, "async.json"), Path.Combine(_dir, "sync.json"));

        // Act: the same program twice, one job after the other.
        var (asyncCode, asyncOutput) = _cluster.Run(JobTimeout, ["submit", model, .. job, "--workers", "2", "--summary", asyncSummary]);
        var (syncCode, syncOutput) = _cluster.Run(JobTimeout, ["submit", model, .. job, "--workers", "3", "--mode", "sync", "--backup-workers", "1", "--summary", syncSummary]);

        // Assert: both ran the adversarial phase to its end, and the generator fools the discriminator about as often
        // as not (the generator's loss on the test points near ln 2; far above it while the generator draws near 0).
        Assert.True(asyncCode == 0, $"async submit exited {asyncCode}:\n{asyncOutput}\n{_cluster.Logs()}");
        Assert.True(syncCode == 0, $"sync submit exited {syncCode}:\n{syncOutput}\n{_cluster.Logs()}");
        foreach (var (path, mode) in new[] { (asyncSummary, "async"), (syncSummary, "sync") })
        {
            using var summary = JsonDocument.Parse(File.ReadAllText(path));
            var root = summary.RootElement;
            Assert.Equal(mode, root.GetProperty("mode").GetString());
            var phase = Assert.Single(root.GetProperty("phases").EnumerateArray());
            Assert.Equal("adversarial", phase.GetProperty("name").GetString());
            Assert.Equal(6, phase.GetProperty("epochs").GetInt32());
            var loss = root.GetProperty("test_loss").GetDouble();
            Assert.True(loss is > 0.3 and < 1.5, $"{mode}: generator test loss {loss}:\n{File.ReadAllText(path)}");
        }
    }
}
