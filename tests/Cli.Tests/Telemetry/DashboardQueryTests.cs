// Every Grafana dashboard query names only series the product exports, so a renamed metric cannot blank a panel.
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dtrain.Cli.Tests.Telemetry;

public sealed partial class DashboardQueryTests
{
    public static TheoryData<string> Dashboards() => new(DashboardFiles());

    [Fact]
    public void The_three_dashboards_are_provisioned()
    {
        Assert.Equal(["cluster.json", "parameter-servers.json", "training.json"], DashboardFiles());
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Dashboard_queries_use_only_metric_names_the_product_exports(string file)
    {
        // Arrange
        var path = Path.Combine(TestHost.RepoFolder("deploy/telemetry/grafana/dashboards"), file);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var series = ExportedMetricNames.SeriesNames();
        var labels = ExportedMetricNames.LabelNames();

        // Act
        var queries = Expressions(doc.RootElement).ToList();

        // Assert: each query reads at least one product series, and every dtrain_* name is a series or a label.
        Assert.NotEmpty(queries);
        foreach (var query in queries)
        {
            var names = DtrainName().Matches(query).Select(m => m.Value).ToList();
            Assert.True(names.Any(series.Contains), $"{file}: query '{query}' reads no series the product exports");
            foreach (var name in names)
            {
                Assert.True(series.Contains(name) || labels.Contains(name), $"{file}: query '{query}' names '{name}', which the product does not export");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Dashboard_panels_read_the_provisioned_datasource(string file)
    {
        // Arrange: the uid Grafana provisions the Prometheus datasource under.
        var provisioning = File.ReadAllText(Path.Combine(TestHost.RepoFolder("deploy/telemetry/grafana/provisioning/datasources"), "prometheus.yaml"));
        var uid = DatasourceUid().Match(provisioning).Groups[1].Value;
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestHost.RepoFolder("deploy/telemetry/grafana/dashboards"), file)));

        // Act
        var panels = doc.RootElement.GetProperty("panels").EnumerateArray().ToList();

        // Assert: a panel or query naming another datasource would draw nothing.
        Assert.Equal("prometheus", uid);
        Assert.NotEmpty(panels);
        foreach (var panel in panels)
        {
            var title = panel.GetProperty("title").GetString();
            Assert.Equal(uid, panel.GetProperty("datasource").GetProperty("uid").GetString());
            Assert.True(panel.GetProperty("targets").GetArrayLength() > 0, $"{file}: panel '{title}' has no query");
            Assert.All(panel.GetProperty("targets").EnumerateArray(), t => Assert.Equal(uid, t.GetProperty("datasource").GetProperty("uid").GetString()));
        }
    }

    [Fact]
    public void Every_instrument_appears_on_some_dashboard()
    {
        // A new instrument should get a panel: list those no dashboard reads.
        var folder = TestHost.RepoFolder("deploy/telemetry/grafana/dashboards");
        var text = string.Concat(Directory.GetFiles(folder, "*.json").Select(File.ReadAllText));
        var missing = ExportedMetricNames.Instruments().Select(ExportedMetricNames.Family).Where(f => !text.Contains(f, StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"no dashboard shows: {string.Join(", ", missing)}");
    }

    private static string[] DashboardFiles() =>
        [.. Directory.GetFiles(TestHost.RepoFolder("deploy/telemetry/grafana/dashboards"), "*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    private static IEnumerable<string> Expressions(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                if (p.Name == "expr" && p.Value.ValueKind == JsonValueKind.String)
                {
                    yield return p.Value.GetString()!;
                }
                else
                {
                    foreach (var x in Expressions(p.Value))
                    {
                        yield return x;
                    }
                }
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in e.EnumerateArray())
            {
                foreach (var x in Expressions(item))
                {
                    yield return x;
                }
            }
        }
    }

    [GeneratedRegex(@"\bdtrain_[a-z0-9_]+")]
    private static partial Regex DtrainName();

    [GeneratedRegex(@"uid:\s*(\S+)")]
    private static partial Regex DatasourceUid();
}
