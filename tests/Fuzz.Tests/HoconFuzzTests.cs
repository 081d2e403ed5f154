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

    [Theory]
    [InlineData("a = [x\\y]", "fuzz.conf:1:7: a backslash outside a quoted string")]
    [InlineData("{\"dtrain\": {\"roles\": [\"coordinator\"stdout-at\\or\"]}}", "fuzz.conf:1:36: 's' follows a value in a list without a comma")]
    [InlineData("a = {b = [1,]}", "fuzz.conf:1:13: a list may not end with a comma")]
    [InlineData("a = [,]", "fuzz.conf:1:6: a comma with no value before it in a list")]
    [InlineData("a = [\"x\" = 1]", "fuzz.conf:1:10: '=' cannot stand in a list")]
    [InlineData("a = [127.0.0.1:4999]", "fuzz.conf:1:15: ':' cannot stand in a list")]
    [InlineData("a = [\"x\"\"y\"]", "fuzz.conf:1:9: '\"' follows a value in a list")]
    [InlineData("a = [${?X}]", "fuzz.conf:1:6: '$' cannot stand in a list")]
    [InlineData("a = [x y]", "fuzz.conf:1:8: 'y' follows a value in a list")]
    [InlineData("a = [[1]=]", "fuzz.conf:1:9: '=' cannot stand in a list")]
    [InlineData("a = [/]", "fuzz.conf:1:6: '/' cannot stand in a list")]
    [InlineData("seeds = [\"127.0.0.1:4999\", \"127.0.0.1:5000\"=]", "fuzz.conf:1:44: '=' cannot stand in a list")]
    public void A_list_Akka_parser_would_loop_on_is_refused_before_parsing(string text, string expected)
    {
        // Akka's parser spins forever on these (its thread cannot be stopped, so it went on spinning a core after
        // the time limit refused the file); each is refused by the structure check, naming its line and column.
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var error = Assert.Throws<Dtrain.Models.DtrainException>(() => ConfigFile.Parse(text, "fuzz.conf"));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < ConfigFile.ParseLimit / 2, $"refused after {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Theory]
    [InlineData("a = [1, 2.5, -3, true, ps, worker_1]")]
    [InlineData("a = [\"127.0.0.1:4999\", \"127.0.0.1:5000\"]")]
    [InlineData("a = [\n  1\n  2\n]")]
    [InlineData("a = [ [1, 2], {b = [x]}, \"\"\"multi\nline\"\"\" ] # comment")]
    [InlineData("a = []")]
    public void A_well_formed_list_still_parses(string text)
    {
        var config = ConfigFile.Parse(text, "fuzz.conf");

        Assert.True(config.HasPath("a"));
    }

    public void Dispose() => File.Delete(_file);
}
