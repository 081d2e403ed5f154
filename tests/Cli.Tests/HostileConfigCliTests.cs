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
    [InlineData("dtrain { seeds = [\"127.0.0.1:4999\", 127.0.0.1:5000] }", "1:46: ':' cannot stand in a list")]
    [InlineData("dtrain { host = x\\y }", "1:18: a backslash outside a quoted string is not valid HOCON")]
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

        // --port 0 as a flag: a bad value in the file is refused even where a flag overrides it.
        var result = Dtrain("node", "--roles", "ps", "--config", file, "--port", "0", "--state-dir", _dir);

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

    [Theory]
    [InlineData("../../escaped", "the model's name is '../../escaped'")]
    [InlineData("/tmp/absolute", "the model's name is '/tmp/absolute'")]
    [InlineData("\u001b[31mred", "the model's name is '\\u001b[31mred'")]
    [InlineData(null, "the model's name is a 300-character name")]
    public void A_model_name_that_is_not_a_plain_name_is_refused_before_any_file_is_written(string? name, string expected)
    {
        var model = ModelNamed(name ?? new string('n', 300));
        var runs = Path.Combine(_dir, "a", "b", "runs");

        var result = Dtrain("train", model, "--epochs", "1", "--data-dir", DtrainProcess.MnistDir(), "--checkpoint-dir", runs);

        AssertOneLine(result, expected);
        Assert.False(Directory.Exists(runs), "no job folder is made");
        Assert.False(Directory.Exists(Path.Combine(_dir, "a", "escaped")), "nothing is written above the runs folder");
    }

    [Fact]
    public void A_checkpoint_dir_that_is_a_file_is_refused_before_training()
    {
        var file = Path.Combine(_dir, "not-a-folder");
        File.WriteAllText(file, "x");

        var result = Dtrain("train", DtrainProcess.Example("mnist-mlp.json"), "--epochs", "1", "--data-dir", DtrainProcess.MnistDir(), "--checkpoint-dir", file);

        AssertOneLine(result, $"--checkpoint-dir '{file}': {file} is a file, not a folder");
    }

    [Fact]
    public void A_summary_path_that_is_a_folder_is_refused_before_training()
    {
        var result = Dtrain("train", DtrainProcess.Example("mnist-mlp.json"), "--epochs", "1", "--data-dir", DtrainProcess.MnistDir(), "--checkpoint-dir", Path.Combine(_dir, "runs"), "--summary", _dir);

        AssertOneLine(result, $"--summary '{_dir}' is a folder");
        Assert.DoesNotContain("train_loss", result.Stdout);
    }

    [Theory]
    [InlineData("--ps-shards", "100000", "training.ps_shards (--ps-shards) is 100,000; dtrain runs at most 1,024 shards")]
    [InlineData("--ps-shards", "1000", "has only ")]
    [InlineData("--batch", "10000000", "training.batch (--batch) is 10,000,000; at most 65,536")]
    [InlineData("--workers", "100000", "training.workers (--workers) is 100,000; one process runs at most 256 workers")]
    public void An_absurd_scale_is_refused_before_training(string flag, string value, string expected)
    {
        var result = Dtrain("train", DtrainProcess.Example("mnist-mlp.json"), "--epochs", "1", "--data-dir", DtrainProcess.MnistDir(), "--checkpoint-dir", Path.Combine(_dir, "runs"), flag, value);

        AssertOneLine(result, expected);
    }

    [Fact]
    public void Absurd_workers_or_shards_per_node_are_refused()
    {
        var result = Dtrain("node", "--roles", "ps", "--shards-per-node", "100000", "--state-dir", _dir);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--shards-per-node (at most 1024)", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stdout + result.Stderr);
    }

    /// <summary>A copy of mnist-mlp.json named <paramref name="name"/>.</summary>
    private string ModelNamed(string name)
    {
        var model = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(DtrainProcess.Example("mnist-mlp.json")))!;
        model["name"] = name;
        var path = Path.Combine(_dir, "model.json");
        File.WriteAllText(path, model.ToJsonString());
        return path;
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
