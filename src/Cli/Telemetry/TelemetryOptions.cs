// Where a process sends its telemetry: flags and OTEL_* variables read once, for `dtrain train` and `dtrain node`.
using System.Globalization;

namespace Dtrain.Cli.Telemetry;

/// <summary>
/// Export settings. Nothing is exported and no port is opened unless a Prometheus port is given or
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
/// <param name="MetricsPort">Port of the Prometheus scrape endpoint (<c>/metrics</c>); null: none.</param>
/// <param name="MetricsHost">Address the scrape endpoint binds; loopback unless the user says otherwise.</param>
/// <param name="OtlpEndpoint">OTLP collector endpoint (from <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>); null: no OTLP.</param>
/// <param name="TraceRatio">Fraction of steps traced (parent-based: a shard follows the worker's decision).</param>
public sealed record TelemetryOptions(int? MetricsPort, string MetricsHost, string? OtlpEndpoint, double TraceRatio)
{
    /// <summary>Default share of traced steps: 1 %, a few spans per second at tens of steps per second per worker.</summary>
    public const double DefaultTraceRatio = 0.01;

    /// <summary>No export at all.</summary>
    public static TelemetryOptions None { get; } = new(null, "127.0.0.1", null, DefaultTraceRatio);

    /// <summary>True when anything will be exported.</summary>
    public bool Exports => MetricsPort is not null || OtlpEndpoint is not null;

    /// <summary>
    /// Reads <c>--metrics-port</c>, <c>--metrics-host</c> and <c>--trace-ratio</c>, and the environment: an OTLP
    /// endpoint from <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, the ratio's default from <c>OTEL_TRACES_SAMPLER_ARG</c>.
    /// </summary>
    public static TelemetryOptions Parse(CommandLine cl)
    {
        var port = cl.Int("--metrics-port");
        if (port is < 1 or > 65535)
        {
            throw new UsageException($"--metrics-port expects a port from 1 to 65535, got {port}");
        }

        var host = cl.String("--metrics-host") ?? "127.0.0.1";
        var ratio = cl.Float("--trace-ratio") is { } flag ? flag : EnvironmentRatio();
        if (ratio is < 0 or > 1 || double.IsNaN(ratio))
        {
            throw new UsageException($"--trace-ratio expects a fraction from 0 to 1, got {ratio.ToString(CultureInfo.InvariantCulture)}");
        }

        var endpoint = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT");
        return new TelemetryOptions(port, host, string.IsNullOrWhiteSpace(endpoint) ? null : endpoint, ratio);
    }

    private static double EnvironmentRatio()
    {
        var text = Environment.GetEnvironmentVariable("OTEL_TRACES_SAMPLER_ARG");
        if (string.IsNullOrWhiteSpace(text))
        {
            return DefaultTraceRatio;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r is >= 0 and <= 1
            ? r
            : throw new UsageException($"OTEL_TRACES_SAMPLER_ARG expects a fraction from 0 to 1, got '{text}'");
    }
}
