// A node or client of another cluster (a different cluster name, the ActorSystem name) cannot join or talk to it.
namespace Dtrain.Cluster.Tests;

public sealed class ClusterSecurityTests : IDisposable
{
    private readonly LocalCluster _cluster = new();

    [Fact]
    public void A_node_with_another_cluster_name_cannot_join()
    {
        // Arrange
        var seed = _cluster.StartNode("coordinator");
        Assert.True(seed.WaitFor(" up, roles coordinator", TimeSpan.FromMinutes(1)), seed.Output);

        // Act: the intruder names the right seed address but another cluster.
        var intruder = _cluster.StartNode("ps", "--cluster-name", "intruder");
        var refused = intruder.WaitFor("Couldn't join seed nodes", TimeSpan.FromMinutes(1));
        var (code, status) = _cluster.Run(TimeSpan.FromMinutes(1), "status", "--cluster", _cluster.Seed);

        // Assert
        Assert.True(refused, $"the intruder did not report a failed join:\n{intruder.Output}");
        Assert.False(intruder.Output.Contains(" up, roles", StringComparison.Ordinal), intruder.Output);
        Assert.True(code == 0, status);
        Assert.Single(status.Split('\n'), line => line.StartsWith("akka.tcp://", StringComparison.Ordinal));
    }

    [Fact]
    public void A_client_with_another_cluster_name_gets_one_clear_line()
    {
        // Arrange
        var seed = _cluster.StartNode("coordinator");
        Assert.True(seed.WaitFor(" up, roles coordinator", TimeSpan.FromMinutes(1)), seed.Output);

        // Act
        var (code, output) = _cluster.Run(TimeSpan.FromMinutes(1), "status", "--cluster", _cluster.Seed, "--cluster-name", "intruder", "--timeout", "5");

        // Assert
        Assert.Equal(1, code);
        Assert.Contains($"dtrain: error: no answer from the cluster at {_cluster.Seed}", output);
        Assert.DoesNotContain("   at ", output);
    }

    public void Dispose() => _cluster.Dispose();
}
