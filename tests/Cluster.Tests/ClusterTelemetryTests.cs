// Telemetry per role in cluster mode: a PS node and a worker node started with --metrics-port serve their own
// Prometheus series (shard pushes on one, worker examples on the other) after a real job.
using System.Globalization;

namespace Dtrain.Cluster.Tests;

public sealed class ClusterTelemetryTests : IDisposable
{
    private readonly LocalCluster _cluster = new();

    [Fact]
    public async Task Ps_and_worker_nodes_serve_their_own_prometheus_series_after_a_job()
    {
        // Arrange
        var psPort = LocalCluster.FreePort();
        var workerPort = LocalCluster.FreePort();
        _cluster.StartNode("coordinator");
        _cluster.StartNode("ps", "--metrics-port", psPort.ToString(CultureInfo.InvariantCulture));
        _cluster.StartNode("worker", "--metrics-port", workerPort.ToString(CultureInfo.InvariantCulture));

        // Act
        var (code, output) = _cluster.Run(TimeSpan.FromMinutes(3), "submit", LocalCluster.Example("mnist-mlp.json"), "--cluster", _cluster.Seed, "--epochs", "1");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var ps = await http.GetStringAsync($"http://127.0.0.1:{psPort}/metrics");
        var worker = await http.GetStringAsync($"http://127.0.0.1:{workerPort}/metrics");

        // Assert
        Assert.True(code == 0, $"submit exited {code}:\n{output}\n{_cluster.Logs()}");
        Assert.Contains("dtrain_ps_pushes_total", ps);
        Assert.Contains("dtrain_worker_examples_total", worker);
        Assert.Contains("\"dtrain-worker\"", worker); // service.name of the worker role, in target_info
        Assert.Contains("\"dtrain-ps\"", ps);
        Assert.DoesNotContain("dtrain_worker_examples_total{", ps);
    }

    public void Dispose() => _cluster.Dispose();
}
