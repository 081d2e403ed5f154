// Telemetry flags: a busy port or a bad value is one line naming the flag, before any training.
using System.Net;
using System.Net.Sockets;

namespace Dtrain.Cli.Tests.Telemetry;

public sealed class TelemetryFlagTests
{
    [Theory]
    [InlineData("--metrics-port")]
    [InlineData("--dashboard-port")]
    public void Port_in_use_fails_with_one_line_naming_the_flag_and_the_address(string flag)
    {
        // Arrange: something already listens on the port.
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        // Act
        var result = DtrainProcess.Run(TimeSpan.FromMinutes(1), "train", DtrainProcess.Example("mnist-mlp.json"), "--data-dir", DtrainProcess.MnistDir(), flag, port);

        // Assert
        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"dtrain: error: {flag} {port}: cannot serve", error);
        Assert.Contains($"127.0.0.1:{port}", error);
        Assert.DoesNotContain("epoch  train_loss", result.Stdout);
    }

    [Theory]
    [InlineData("--trace-ratio", "1.5", "--trace-ratio expects a fraction from 0 to 1, got 1.5")]
    [InlineData("--metrics-port", "0", "--metrics-port expects a port from 1 to 65535, got 0")]
    [InlineData("--linger", "-1", "--linger expects seconds >= 0, got -1")]
    public void Bad_telemetry_flag_value_is_a_usage_error_naming_it(string flag, string value, string message)
    {
        var result = DtrainProcess.Run(TimeSpan.FromMinutes(1), "train", DtrainProcess.Example("mnist-mlp.json"), flag, value);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"dtrain: {message}", result.Stderr);
    }
}
