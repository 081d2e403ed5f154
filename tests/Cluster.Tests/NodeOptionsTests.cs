// Where a node's settings come from: a flag beats an environment variable, which beats the config file's
// dtrain section; bad values are one line naming the flag or file.
using Dtrain.Cli;
using Dtrain.Cli.Cluster;
using Dtrain.Models;

namespace Dtrain.Cluster.Tests;

public sealed class NodeOptionsTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"dtrain-node-{Guid.NewGuid():N}.conf");

    [Fact]
    public void Config_file_supplies_what_flags_do_not_and_flags_win()
    {
        // Arrange
        File.WriteAllText(_file, """
            dtrain {
              host = "10.1.2.3"
              port = 4999
              seeds = "10.1.2.3:4999,10.1.2.4:4999"
              roles = "ps,worker"
              cluster-name = "lab"
            }
            """);

        // Act
        var options = NodeOptions.Read(CommandLine.Parse(["--config", _file, "--port", "5000"]));

        // Assert
        Assert.Equal("10.1.2.3", options.Host);
        Assert.Equal(5000, options.Port);
        Assert.Equal(["10.1.2.3:4999", "10.1.2.4:4999"], options.Seeds);
        Assert.Equal(["ps", "worker"], options.Roles);
        Assert.Equal("akka.tcp://lab@10.1.2.3:4999", options.AddressOf("10.1.2.3:4999"));
    }

    [Theory]
    [InlineData("--roles", "ps,cook", "--roles: unknown role 'cook'")]
    [InlineData("--seeds", "10.0.0.1", "--seeds expects host:port, got '10.0.0.1'")]
    [InlineData("--port", "70000", "--port expects a TCP port (0-65535), got '70000'")]
    [InlineData("--cluster-name", "a b", "--cluster-name 'a b' must be letters, digits, '-' or '_'")]
    public void A_bad_setting_is_one_line_naming_the_flag(string flag, string value, string message)
    {
        // Act
        var error = Assert.ThrowsAny<DtrainException>(() => NodeOptions.Read(CommandLine.Parse([flag, value])));

        // Assert
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void A_config_file_that_does_not_parse_is_named()
    {
        // Arrange: a substitution that resolves to nothing.
        File.WriteAllText(_file, "dtrain { host = ${no.such.setting} }");

        // Act
        var error = Assert.ThrowsAny<DtrainException>(() => NodeOptions.Read(CommandLine.Parse(["--config", _file])));

        // Assert
        Assert.StartsWith(_file, error.Message);
    }

    public void Dispose() => File.Delete(_file);
}
