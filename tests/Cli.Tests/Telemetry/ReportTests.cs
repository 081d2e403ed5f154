// --report DIR after a real run: the page with the curves, PNG charts, and the summary table as markdown and CSV.
using System.Text.Json;
using Dtrain.Cli.Telemetry;

namespace Dtrain.Cli.Tests.Telemetry;

public sealed class ReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Report_holds_the_curves_and_the_summary_table_of_the_run()
    {
        // Act
        var report = Path.Combine(_dir, "report");
        var result = DtrainProcess.Run(TimeSpan.FromMinutes(3), "train", DtrainProcess.Example("mnist-mlp.json"), "--epochs", "2",
            "--data-dir", DtrainProcess.MnistDir(), "--report", report);

        // Assert
        Assert.True(result.ExitCode == 0, $"dtrain failed:\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains($"report written to {Path.Combine(report, "report.html")}", result.Stdout);

        var page = File.ReadAllText(Path.Combine(report, "report.html"));
        Assert.Contains("const LIVE = false;", page);
        var state = page[(page.IndexOf("const INITIAL = ", StringComparison.Ordinal) + 16)..];
        using (var embedded = JsonDocument.Parse(state[..state.IndexOf(";\nconst NS", StringComparison.Ordinal)]))
        {
            Assert.Equal(2, embedded.RootElement.GetProperty("epochs").GetArrayLength());
            Assert.True(embedded.RootElement.GetProperty("progress").GetArrayLength() >= 2);
        }

        var summary = File.ReadAllText(Path.Combine(report, "summary.md"));
        Assert.Contains("| test accuracy (final) |", summary);
        Assert.Contains("| 2 |", summary);

        var epochs = File.ReadAllLines(Path.Combine(report, "epochs.csv"));
        Assert.Equal(3, epochs.Length);
        Assert.StartsWith("epoch,train_loss,test_accuracy", epochs[0]);

        var loss = PngImage.Decode(File.ReadAllBytes(Path.Combine(report, "loss.png")));
        Assert.True(loss.CountNear(0xD9480F, 0) > 500, "loss.png has no curve");
        var accuracy = PngImage.Decode(File.ReadAllBytes(Path.Combine(report, "accuracy.png")));
        Assert.True(accuracy.CountNear(0x2B8A3E, 0) > 50, "accuracy.png has no curve");
    }

    [Fact]
    public void Png_chart_decodes_to_its_size_with_the_line_colour_on_white()
    {
        // Act
        var png = PngChart.Line([(0, 1.0), (1, 0.5), (2, 0.25), (3, 0.2)], 0x1C7ED6);
        var image = PngImage.Decode(png);

        // Assert
        Assert.Equal(640, image.Width);
        Assert.Equal(320, image.Height);
        Assert.True(image.CountNear(0xFFFFFF, 0) > image.Rgb.Length / 2, "the background is not white");
        Assert.True(image.CountNear(0x1C7ED6, 0) > 300, "the line is missing");
    }
}
