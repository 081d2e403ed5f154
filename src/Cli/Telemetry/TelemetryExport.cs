// Starts the OpenTelemetry exporters of one process: the single entry point of `dtrain train` and `dtrain node` (TelemetryExport.Start).
using System.Net;
using Dtrain.Models;
using Dtrain.Protocol.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Dtrain.Cli.Telemetry;

/// <summary>Wires the product's meter and activity source (<see cref="DtrainTelemetry"/>) to exporters.</summary>
public static class TelemetryExport
{
    /// <summary>
    /// Starts exporting for a process in <paramref name="role"/> (local, coordinator, worker, ps): service.name is
    /// <c>dtrain-ROLE</c> unless <c>OTEL_SERVICE_NAME</c> says otherwise (the SDK reads the other OTEL_* variables:
    /// protocol, headers, export interval, resource attributes). Metrics go to OTLP and/or a Prometheus scrape
    /// endpoint; traces (sampled parent-based at <see cref="TelemetryOptions.TraceRatio"/>) go to OTLP only.
    /// Dispose the result to flush and close the endpoint. With nothing to export, nothing starts.
    /// </summary>
    public static IDisposable Start(string role, TelemetryOptions options)
    {
        if (!options.Exports)
        {
            return Nothing.Instance;
        }

        var service = Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") is { Length: > 0 } named ? named : $"dtrain-{role}";
        void Resource(ResourceBuilder r) => r.AddService(service, serviceInstanceId: $"{Dns.GetHostName()}-{Environment.ProcessId}")
            .AddAttributes([new(MetricNames.Tags.Role, role)]);

        var meters = Sdk.CreateMeterProviderBuilder().ConfigureResource(Resource).AddMeter(DtrainTelemetry.Name);
        if (options.OtlpEndpoint is not null)
        {
            meters.AddOtlpExporter();
        }

        if (options.MetricsPort is { } port)
        {
            meters.AddPrometheusHttpListener(o =>
            {
                o.Host = options.MetricsHost;
                o.Port = port;
                o.ScrapeResponseCacheDurationMilliseconds = 0;
            });
        }

        MeterProvider meterProvider;
        try
        {
            meterProvider = meters.Build();
        }
        catch (Exception e) when (e is HttpListenerException or InvalidOperationException)
        {
            throw new DtrainException($"--metrics-port {options.MetricsPort}: cannot serve metrics on {options.MetricsHost}:{options.MetricsPort}: {(e.InnerException ?? e).Message}");
        }

        TracerProvider? tracerProvider = null;
        if (options.OtlpEndpoint is not null && options.TraceRatio > 0)
        {
            tracerProvider = Sdk.CreateTracerProviderBuilder()
                .ConfigureResource(Resource)
                .AddSource(DtrainTelemetry.Name)
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceRatio)))
                .AddOtlpExporter()
                .Build();
        }

        return new Providers(meterProvider, tracerProvider);
    }

    private sealed class Providers(MeterProvider meters, TracerProvider? tracer) : IDisposable
    {
        public void Dispose()
        {
            tracer?.Dispose();
            meters.Dispose();
        }
    }

    private sealed class Nothing : IDisposable
    {
        public static readonly Nothing Instance = new();

        public void Dispose()
        {
        }
    }
}
