// The live page during a real run, rendered by headless Chromium: the screenshot must show curves, the JSON data.
using System.Globalization;
using System.Text.Json;

namespace Dtrain.Cli.Tests.Telemetry;

public sealed class DashboardPageTests : IDisposable
{
    private const int LossColour = 0xD9480F;
    private const int AccuracyColour = 0x2B8A3E;
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-dash-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [SkippableFact]
    public async Task Live_dashboard_serves_state_and_renders_loss_and_accuracy_curves_in_headless_chromium()
    {
        var chromium = TestHost.OnPath("chromium") ?? TestHost.OnPath("chromium-browser");
        Skip.If(chromium is null, "Debian's chromium is not installed (apt-get install chromium; .ci/run does)");

        // Arrange: a short run with the page; it stays up after training until the test is done with it.
        var port = TestHost.FreePort();
        var url = $"http://127.0.0.1:{port}/";
        using var dtrain = BackgroundProcess.Dtrain("train", DtrainProcess.Example("mnist-mlp.json"), "--epochs", "1", "--workers", "2", "--ps-shards", "2",
            "--data-dir", DtrainProcess.MnistDir(), "--dashboard", "--dashboard-port", port.ToString(CultureInfo.InvariantCulture), "--linger", "120");
        var finished = await TestHost.Eventually(async () => (await State(url)).GetProperty("epochs").GetArrayLength() == 1, TimeSpan.FromSeconds(90));
        Assert.True(finished, $"the page never showed a finished epoch; dtrain printed:\n{dtrain.Output}");

        // Act
        var state = await State(url);
        var screenshot = Path.Combine(_dir, "dashboard.png");
        using (var browser = BackgroundProcess.Start(chromium!, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            $"--user-data-dir={Path.Combine(_dir, "profile")}", "--virtual-time-budget=3000", $"--screenshot={screenshot}", "--window-size=1280,1000", url))
        {
            Assert.True(browser.WaitForExit(TimeSpan.FromSeconds(90)), "chromium did not finish the screenshot");
        }

        // Assert: the JSON has the run's data; the PNG is not blank and shows both curves' colours.
        Assert.True(state.GetProperty("progress").GetArrayLength() > 0);
        Assert.Equal(2, state.GetProperty("workers").GetArrayLength());
        Assert.Equal(2, state.GetProperty("shards").GetArrayLength());
        Assert.True(state.GetProperty("epochs")[0].GetProperty("test_accuracy").GetDouble() > 0.9);
        Assert.True(File.Exists(screenshot), "chromium wrote no screenshot");
        var image = PngImage.Decode(File.ReadAllBytes(screenshot));
        Assert.Equal(1280, image.Width);
        Assert.True(image.DistinctColours > 50, $"the screenshot looks blank: {image.DistinctColours} colours");
        Assert.True(image.CountNear(LossColour) > 200, $"no loss curve in the screenshot ({image.CountNear(LossColour)} pixels of its colour)");
        Assert.True(image.CountNear(AccuracyColour) > 20, $"no accuracy point in the screenshot ({image.CountNear(AccuracyColour)} pixels of its colour)");
    }

    private async Task<JsonElement> State(string url)
    {
        using var doc = JsonDocument.Parse(await _http.GetStringAsync(url + "api/state"));
        return doc.RootElement.Clone();
    }
}
