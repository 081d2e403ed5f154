// A node or client of another cluster (a different cluster name, the ActorSystem name) cannot join or talk to it,
// and with TLS on, neither can a node without the cluster's certificate or with another one.
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

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

    [Fact]
    public void With_tls_only_a_node_holding_the_cluster_certificate_joins()
    {
        // Arrange: two self-signed certificates; the cluster runs on the first.
        var folder = Directory.CreateTempSubdirectory("dtrain-tls-").FullName;
        try
        {
            var good = WriteCertificate(folder, "cluster");
            var wrong = WriteCertificate(folder, "other");
            string[] Tls(string file) => ["--tls-cert", file, "--tls-password", "secret"];
            var seed = _cluster.StartNode("coordinator", Tls(good));
            Assert.True(seed.WaitFor(" up, roles coordinator", TimeSpan.FromMinutes(1)), seed.Output);

            // Act
            var impostor = _cluster.StartNode("ps", Tls(wrong));
            var plain = _cluster.StartNode("ps");
            var member = _cluster.StartNode("ps", Tls(good));
            var memberJoined = member.WaitFor(" up, roles ps", TimeSpan.FromMinutes(1));
            var impostorRefused = impostor.WaitFor("TLS handshake failed", TimeSpan.FromMinutes(1));
            var plainRefused = plain.WaitFor("Couldn't join seed nodes", TimeSpan.FromMinutes(1));
            var (code, status) = _cluster.Run(TimeSpan.FromMinutes(1), ["status", "--cluster", _cluster.Seed, .. Tls(good)]);

            // Assert
            Assert.True(memberJoined, $"the node with the cluster's certificate did not join:\n{member.Output}\n{seed.Output}");
            Assert.True(impostorRefused, $"the node with another certificate did not report a failed join:\n{impostor.Output}");
            Assert.True(plainRefused, $"the node without TLS did not report a failed join:\n{plain.Output}");
            Assert.DoesNotContain(" up, roles", impostor.Output);
            Assert.DoesNotContain(" up, roles", plain.Output);
            Assert.True(code == 0, status);
            Assert.Equal(2, status.Split('\n').Count(line => line.StartsWith("akka.ssl.tcp://", StringComparison.Ordinal)));
        }
        finally
        {
            _cluster.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }

    public void Dispose() => _cluster.Dispose();

    private static string WriteCertificate(string folder, string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN=dtrain-{name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        var path = Path.Combine(folder, $"{name}.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, "secret"));
        return path;
    }
}
