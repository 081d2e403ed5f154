// Mutated node config files, read as dtrain node reads them: each is accepted or refused in one line, quickly;
// never a parser that loops (an unclosed array grew memory without bound), a crash, or a value of the wrong type read as nothing.
using CsCheck;
using Dtrain.Cli;
using Dtrain.Cli.Cluster;

namespace Dtrain.Fuzz.Tests;

public sealed class HoconFuzzTests : IDisposable
{
    private static readonly string[] Seeds =
    [
        """
        dtrain {
          host = "127.0.0.1"
          port = 4999
          seeds = ["127.0.0.1:4999", "127.0.0.1:5000"]
          roles = "ps,worker"
          cluster-name = lab
        }
        akka.loglevel = WARNING
        """,
        """{"dtrain": {"host": "127.0.0.1", "port": 5000, "roles": ["coordinator"]}, "akka": {"stdout-loglevel": "ERROR"}}""",
        "dtrain.port = 4000\ndtrain.host = ${?HOSTNAME}\n# comment\nakka.remote { dot-netty.tcp.hostname = \"\"\"x\"\"\" }",
    ];

    private static readonly string[] Tokens = ["{", "}", "[", "]", "\"", "\"\"\"", "${", "${?", "include ", "include required(file(\"/etc/passwd\"))", "=", ":", ",", "+=", "//", "#", "\n", "\\", "dtrain.", "port = [", "host = {"];

    private readonly string _file = Path.Combine(Path.GetTempPath(), $"dtrain-hocon-fuzz-{Guid.NewGuid():N}.conf");

    [Fact]
    public void Every_mutated_config_is_read_or_refused_in_one_line_within_the_bound()
    {
        ByteMutation.OfTexts(Seeds, Tokens).Sample(
            text => FuzzAssert.AcceptedOrOneLine(() => ConfigFile.Parse(text, "fuzz.conf"), text),
            seed: FuzzBudget.Seed,
            iter: FuzzBudget.Iterations,
            threads: 1,
            print: FuzzAssert.Show);
    }

    [Fact]
    public void Every_mutated_config_given_to_a_node_yields_its_options_or_one_line()
    {
        ByteMutation.OfTexts(Seeds, Tokens).Sample(
            text =>
            {
                File.WriteAllText(_file, text);
                FuzzAssert.AcceptedOrOneLine(() => NodeOptions.Read(CommandLine.Parse(["--config", _file])), text);
            },
            seed: FuzzBudget.Seed,
            iter: FuzzBudget.Iterations,
            threads: 1,
            print: FuzzAssert.Show);
    }

    public void Dispose() => File.Delete(_file);
}
