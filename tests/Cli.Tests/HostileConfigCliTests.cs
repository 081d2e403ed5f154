// Hostile or absurd settings given to the real dtrain process (config files, addresses, databases, flags and
// paths): each is refused with exactly one line naming what is wrong, a non-zero exit and no stack trace, in seconds.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Dtrain.Cli.Tests;

public sealed class HostileConfigCliTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-hostile-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("dtrain { host = [1, 2 }", "'}' cannot close the '[' opened at 1:17")]
    [InlineData("dtrain { host = \"127.0.0.1\"", "the '{' opened here is never closed")]
    [InlineData("dtrain { host = \"127.0.0.1 }", "the string opened here is never closed")]
    [InlineData("include \"/etc/passwd\"", "'include' is not allowed")]
    [InlineData("dtrain { include required(file(\"/etc/passwd\")) }", "'include' is not allowed")]
    [InlineData("dtrain { port = { a = 1 } }", "dtrain.port must be a string or a number, not an object")]
    [InlineData("dtrain { host = [\"a\", \"b\"] }", "dtrain.host must be a string or a number, not a list")]
    [InlineData("dtrain { prot = 2552 }", "unknown setting dtrain.prot; known: ")]
    [InlineData("dtrain = 5", "dtrain must be an object of settings")]
    public void A_hostile_config_file_is_one_line_naming_the_file(string text, string expected)
    {
        var file = Path.Combine(_dir, "node.conf");
        File.WriteAllText(file, text);

        var result = Dtrain("node", "--roles", "ps", "--config", file);

        AssertOneLine(result, expected);
        Assert.Contains(file, result.Stderr);
    }

    [Fact]
    public void A_config_file_over_a_mebibyte_is_refused_by_its_size()
    {
        var file = Path.Combine(_dir, "huge.conf");
        File.WriteAllText(file, "# " + new string('x', 2 << 20));

        var result = Dtrain("node", "--roles", "ps", "--config", file);

        AssertOneLine(result, "a config file may hold at most 1,048,576");
    }

    [Theory]
    [InlineData("no-such-host.invalid", "--host 'no-such-host.invalid' cannot be resolved")]
    [InlineData("203.0.113.7", "203.0.113.7 is not an address of this machine")]
    public void A_host_the_node_cannot_listen_on_is_one_line_naming_it(string host, string expected)
    {
        var result = Dtrain("node", "--roles", "ps", "--host", host, "--port", "0", "--state-dir", _dir);

        AssertOneLine(result, expected);
    }

    [Fact]
    public void A_node_port_already_in_use_is_one_line_naming_the_port()
    {
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            var port = ((IPEndPoint)taken.LocalEndpoint).Port;

            var result = Dtrain("node", "--roles", "ps", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--state-dir", _dir);

            AssertOneLine(result, $"the node cannot listen on 127.0.0.1:{port} (--host/--port): port {port} is already in use");
        }
        finally
        {
            taken.Stop();
        }
    }

    [Fact]
    public void An_unreachable_postgresql_server_is_one_line_within_seconds_without_its_password()
    {
        var clock = Stopwatch.StartNew();

        var result = Dtrain("train", DtrainProcess.Example("mnist-mlp.json"), "--epochs", "1", "--data-dir", DtrainProcess.MnistDir(), "--checkpoint-dir", _dir, "--db", "postgres://trainer:s3cretpw@127.0.0.1:1/dtrain");

        AssertOneLine(result, "cannot reach postgresql trainer@127.0.0.1:1/dtrain within 5 s");
        Assert.DoesNotContain("s3cretpw", result.Stdout + result.Stderr);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    /// <summary>Exit 1, nothing on stderr but one line holding <paramref name="expected"/>, no stack trace anywhere.</summary>
    internal static void AssertOneLine(ProcessResult result, string expected)
    {
        var all = result.Stdout + result.Stderr;
        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}:\n{all}");
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("dtrain: error: ", line);
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", all);
        Assert.DoesNotContain("Exception", all);
    }

    private static ProcessResult Dtrain(params string[] args) => DtrainProcess.Run(Limit, args);
}
