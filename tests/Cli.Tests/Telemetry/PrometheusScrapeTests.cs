// Debian's real Prometheus scrapes a short training run's --metrics-port; its HTTP API must answer with our series.
using System.Globalization;
using System.Text.Json;

namespace Dtrain.Cli.Tests.Telemetry;

public sealed class PrometheusScrapeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-prom-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [SkippableFact]
    public async Task Prometheus_scrapes_a_training_run_and_answers_queries_for_its_series()
    {
        var prometheusBinary = TestHost.OnPath("prometheus");
        Skip.If(prometheusBinary is null, "Debian's prometheus binary is not installed (apt-get install prometheus; .ci/run does)");

        // Arrange: Prometheus on loopback, scraping every second the port dtrain will open.
        var (metricsPort, prometheusPort) = (TestHost.FreePort(), TestHost.FreePort());
        var config = Path.Combine(_dir, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: dtrain
                static_configs:
                  - targets: ["127.0.0.1:{metricsPort}"]
            """);
        using var prometheus = BackgroundProcess.Start(prometheusBinary!, $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(_dir, "data")}",
            $"--web.listen-address=127.0.0.1:{prometheusPort}", "--log.level=warn");
        var api = $"http://127.0.0.1:{prometheusPort}/api/v1/";
        Assert.True(await TestHost.Eventually(async () => (await _http.GetAsync(api + "status/buildinfo")).IsSuccessStatusCode, TimeSpan.FromSeconds(30)),
            $"prometheus did not start:\n{prometheus.Output}");

        // Act: one epoch with 2 workers and 2 shards; the endpoint stays up a few seconds after training.
        using var dtrain = BackgroundProcess.Dtrain("train", DtrainProcess.Example("mnist-mlp.json"), "--epochs", "1", "--workers", "2", "--ps-shards", "2",
            "--data-dir", DtrainProcess.MnistDir(), "--metrics-port", metricsPort.ToString(CultureInfo.InvariantCulture), "--linger", "5");
        var examplesSeen = await TestHost.Eventually(async () => await Value(api, "sum(last_over_time(dtrain_worker_examples_total[5m]))") >= 60_000, TimeSpan.FromSeconds(90));
        Assert.True(dtrain.WaitForExit(TimeSpan.FromSeconds(90)), "dtrain did not finish");

        // Assert: the series are in Prometheus, with the values of a finished epoch. dtrain has exited, so an instant
        // query may already see the staleness marker of the failed scrape: read the last sample within 5 minutes.
        Assert.True(dtrain.ExitCode == 0, dtrain.Output);
        Assert.True(examplesSeen, $"Prometheus never saw 60,000 examples; dtrain printed:\n{dtrain.Output}");
        Assert.Equal(2, await Value(api, "count(last_over_time(dtrain_worker_steps_total[5m]))"));
        await AssertAbove(api, "sum(last_over_time(dtrain_ps_pushes_total{dtrain_result=\"applied\"}[5m]))", 0);
        await AssertAbove(api, "max(last_over_time(dtrain_test_accuracy[5m]))", 0.9);
        await AssertAbove(api, "sum(last_over_time(dtrain_ps_staleness_count[5m]))", 0);
        await AssertAbove(api, "count(last_over_time(dtrain_worker_step_duration_seconds_bucket{dtrain_phase=\"compute\"}[5m]))", 0);

        // The histograms use the product's bucket advice, not the SDK's defaults (0, 5, 10, 25, ...).
        await AssertAbove(api, "count(last_over_time(dtrain_ps_staleness_bucket{le=~\"3(\\\\.0)?\"}[5m]))", 0);
        await AssertAbove(api, "count(last_over_time(dtrain_worker_step_duration_seconds_bucket{le=\"0.0025\"}[5m]))", 0);

        // Every dtrain series Prometheus stored is one the test helper derives from the code: the mapping the
        // dashboard test relies on is the exporter's real one.
        var stored = await SeriesNames(api);
        var derived = ExportedMetricNames.SeriesNames();
        Assert.NotEmpty(stored);
        Assert.All(stored, name => Assert.Contains(name, derived));
    }

    private async Task AssertAbove(string api, string query, double bound)
    {
        var value = await Value(api, query);
        Assert.True(value > bound, $"{query} = {value}, expected above {bound}");
    }

    private async Task<double> Value(string api, string query)
    {
        using var doc = JsonDocument.Parse(await _http.GetStringAsync(api + "query?query=" + Uri.EscapeDataString(query)));
        var result = doc.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0
            ? double.NaN
            : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    private async Task<List<string>> SeriesNames(string api)
    {
        using var doc = JsonDocument.Parse(await _http.GetStringAsync(api + "label/__name__/values"));
        return doc.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetString()!).Where(n => n.StartsWith("dtrain_", StringComparison.Ordinal)).ToList();
    }
}
