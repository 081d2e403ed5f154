// The cluster secret a node proves on the bulk data channel: where it is read from, and that a node without a
// usable one refuses to start with one line instead of serving its shards to anyone who connects.
using Dtrain.Cli;
using Dtrain.Cli.Cluster;
using Dtrain.Models;

namespace Dtrain.Cluster.Tests;

public sealed class ClusterSecretTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"dtrain-secret-{Guid.NewGuid():N}");

    [Fact]
    public void The_secret_file_gives_the_credentials_and_surrounding_whitespace_does_not_count()
    {
        // Arrange
        File.WriteAllText(_file, "  0123456789abcdef0123456789abcdef\n");

        // Act
        var credentials = NodeOptions.Read(CommandLine.Parse(["--secret-file", _file])).LoadCredentials();

        // Assert
        Assert.Null(credentials.Certificate);
        Assert.Equal(_file, NodeOptions.Read(CommandLine.Parse(["--secret-file", _file])).SecretFile);
    }

    [Theory]
    [InlineData("short-secret\n", "the cluster secret has 12 bytes; at least 16 are needed")]
    [InlineData("   \n", "the cluster secret has 0 bytes")]
    public void A_secret_shorter_than_16_bytes_is_one_line_naming_the_file(string content, string message)
    {
        // Arrange
        File.WriteAllText(_file, content);

        // Act
        var error = Assert.Throws<DtrainException>(() => NodeOptions.Read(CommandLine.Parse(["--secret-file", _file])).LoadCredentials());

        // Assert
        Assert.Contains($"--secret-file '{_file}'", error.Message);
        Assert.Contains(message, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_missing_secret_file_is_one_line_naming_it()
    {
        // Act
        var error = Assert.Throws<DtrainException>(() => NodeOptions.Read(CommandLine.Parse(["--secret-file", _file])).LoadCredentials());

        // Assert
        Assert.StartsWith($"--secret-file '{_file}': cannot read the cluster secret", error.Message);
    }

    [Fact]
    public void A_node_process_without_a_secret_exits_non_zero_with_one_line_and_no_stack_trace()
    {
        // Arrange
        using var cluster = new LocalCluster { Secret = null };

        // Act
        var (code, output) = cluster.Run(TimeSpan.FromMinutes(1), "node", "--roles", "ps", "--host", "127.0.0.1", "--port", "0");

        // Assert
        Assert.NotEqual(0, code);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains("no cluster secret", line);
        Assert.Contains("--secret-file", line);
    }

    public void Dispose() => File.Delete(_file);
}
