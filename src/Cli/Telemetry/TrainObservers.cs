// What watches a `dtrain train` run besides the console: exporters, the live page, the end-of-run report.
using System.Globalization;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Cli.Telemetry;

/// <summary>
/// The train command's telemetry flags: <c>--metrics-port</c>/<c>--metrics-host</c>/<c>--trace-ratio</c> (exporters),
/// <c>--dashboard</c>/<c>--dashboard-port</c> (live page), <c>--report DIR</c> and <c>--linger S</c> (keep the
/// endpoints up S seconds after training so a last scrape or look sees the final values).
/// </summary>
public sealed record ObserverOptions(TelemetryOptions Export, bool Dashboard, int DashboardPort, string? ReportDir, double LingerSeconds)
{
    /// <summary>Default port of the live page (TensorBoard's).</summary>
    public const int DefaultDashboardPort = 6006;

    /// <summary>Reads the flags.</summary>
    public static ObserverOptions Parse(CommandLine cl)
    {
        var export = TelemetryOptions.Parse(cl);
        var dashboard = cl.Flag("--dashboard");
        var port = cl.Int("--dashboard-port");
        if (port is < 1 or > 65535)
        {
            throw new UsageException($"--dashboard-port expects a port from 1 to 65535, got {port}");
        }

        var linger = cl.Float("--linger") ?? 0;
        if (linger < 0)
        {
            throw new UsageException($"--linger expects seconds >= 0, got {linger.ToString(CultureInfo.InvariantCulture)}");
        }

        return new ObserverOptions(export, dashboard || port is not null, port ?? DefaultDashboardPort, cl.String("--report"), linger);
    }
}

/// <summary>Started around a run; sees every progress and epoch report and the result.</summary>
public sealed class TrainObservers : IDisposable
{
    private readonly ObserverOptions _options;
    private readonly IDisposable _exporters;
    private readonly TrainingRecorder? _recorder;
    private readonly DashboardServer? _dashboard;

    private TrainObservers(ObserverOptions options, string title, TextWriter output)
    {
        _options = options;
        _exporters = TelemetryExport.Start("local", options.Export);
        try
        {
            if (options.Export.MetricsPort is { } port)
            {
                output.WriteLine($"metrics: http://{options.Export.MetricsHost}:{port}/metrics");
            }

            if (options.Dashboard || options.ReportDir is not null)
            {
                _recorder = new TrainingRecorder(title);
            }

            if (options.Dashboard)
            {
                _dashboard = new DashboardServer(_recorder!, "127.0.0.1", options.DashboardPort);
                output.WriteLine($"dashboard: {_dashboard.Url}");
            }
        }
        catch
        {
            // The page's port in use fails the start: close the exporters' listener before reporting it.
            _recorder?.Dispose();
            _exporters.Dispose();
            throw;
        }
    }

    /// <summary>Starts the exporters, the recorder and the page that <paramref name="options"/> ask for.</summary>
    public static TrainObservers Start(ObserverOptions options, string title, TextWriter output) => new(options, title, output);

    /// <summary>A partition finished.</summary>
    public void Progress(TrainingProgress p) => _recorder?.Progress(p);

    /// <summary>An epoch was evaluated.</summary>
    public void Epoch(EpochCompleted e) => _recorder?.Epoch(e);

    /// <summary>The run ended with <paramref name="result"/> (null: failed): writes the report, then lingers.</summary>
    public async Task FinishAsync(JobCompleted? result, TextWriter output)
    {
        _recorder?.Finished(result is null ? "failed" : "done");
        if (_options.ReportDir is { } dir && _recorder is not null && result is not null)
        {
            ReportWriter.Write(dir, _recorder, result);
            output.WriteLine($"report written to {Path.Combine(dir, ReportWriter.PageName)}");
        }

        if (_options.LingerSeconds > 0 && (_options.Export.Exports || _dashboard is not null))
        {
            await Task.Delay(TimeSpan.FromSeconds(_options.LingerSeconds));
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _dashboard?.Dispose();
        _recorder?.Dispose();
        _exporters.Dispose();
    }
}
