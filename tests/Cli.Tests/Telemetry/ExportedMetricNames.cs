// The Prometheus series names the product exports, derived from the instruments on the dtrain meter.
using System.Diagnostics.Metrics;
using Dtrain.Protocol.Telemetry;

namespace Dtrain.Cli.Tests.Telemetry;

/// <summary>
/// Lists every instrument of <see cref="DtrainTelemetry.Meter"/> with a <see cref="MeterListener"/> and maps it to
/// its Prometheus names as the OpenTelemetry exporter writes them: dots to underscores, the unit as a suffix
/// (<c>s</c> → <c>_seconds</c>, <c>By</c> → <c>_bytes</c>; annotations like <c>{step}</c> add nothing), then
/// <c>_total</c> for counters and <c>_bucket</c>/<c>_sum</c>/<c>_count</c> for histograms (and, when Prometheus scrapes
/// in the OpenMetrics format, a <c>_created</c> series for both). The Prometheus scrape test
/// checks this mapping against what a real Prometheus stored.
/// </summary>
public static class ExportedMetricNames
{
    /// <summary>Every instrument on the product's meter.</summary>
    public static IReadOnlyList<Instrument> Instruments()
    {
        _ = DtrainTelemetry.WorkerExamples; // the instruments are static fields: make sure they exist
        var found = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == DtrainTelemetry.Name)
                {
                    found.Add(instrument);
                }
            },
        };
        listener.Start();
        return found;
    }

    /// <summary>The metric family name of an instrument (without histogram or counter series suffixes).</summary>
    public static string Family(Instrument instrument)
    {
        var name = instrument.Name.Replace('.', '_');
        var unit = instrument.Unit switch
        {
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            _ => null,
        };
        return unit is null || name.EndsWith("_" + unit, StringComparison.Ordinal) ? name : $"{name}_{unit}";
    }

    /// <summary>Every series name (metric name as PromQL sees it) the product can export.</summary>
    public static IReadOnlySet<string> SeriesNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var i in Instruments())
        {
            var family = Family(i);
            var type = i.GetType().GetGenericTypeDefinition();
            if (type == typeof(Counter<>))
            {
                names.UnionWith([family + "_total", family + "_created"]);
            }
            else if (type == typeof(Histogram<>))
            {
                names.UnionWith([family + "_bucket", family + "_sum", family + "_count", family + "_created"]);
            }
            else
            {
                names.Add(family); // gauges and up-down counters
            }
        }

        return names;
    }

    /// <summary>Label names the product's attributes become (dots to underscores).</summary>
    public static IReadOnlySet<string> LabelNames() => typeof(MetricNames.Tags)
        .GetFields()
        .Select(f => ((string)f.GetRawConstantValue()!).Replace('.', '_'))
        .ToHashSet(StringComparer.Ordinal);
}
