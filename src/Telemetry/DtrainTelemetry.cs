// The product's one Meter and one ActivitySource ("dtrain"), its instruments, and span helpers for actors.
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Dtrain.Protocol.Telemetry;

/// <summary>
/// Every instrument of the product. Nothing here exports: an exporter (OTLP, Prometheus, the dashboard) listens
/// to the meter by <see cref="Name"/>; with no listener each Add/Record returns at once and allocates nothing.
/// </summary>
public static class DtrainTelemetry
{
    /// <summary>Name of the meter and of the activity source.</summary>
    public const string Name = "dtrain";

    private static readonly string? Version = typeof(DtrainTelemetry).Assembly.GetName().Version?.ToString();

    /// <summary>The product's meter.</summary>
    public static readonly Meter Meter = new(Name, Version);

    /// <summary>The product's activity source: spans of a training step.</summary>
    public static readonly ActivitySource Source = new(Name, Version);

    // Bucket boundaries per unit: a step phase takes 0.1 ms (a cached pull) to seconds (a GPU warm-up); an
    // optimizer apply 10 us to 100 ms; staleness counts versions, small integers that grow with workers x pushes.
    private static readonly double[] StepSecondsBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
    private static readonly double[] ApplySecondsBuckets = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];
    private static readonly long[] StalenessBuckets = [0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128];
    private static readonly double[] CheckpointSecondsBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

    /// <summary><see cref="MetricNames.WorkerExamples"/>.</summary>
    public static readonly Counter<long> WorkerExamples = Meter.CreateCounter<long>(MetricNames.WorkerExamples, "{example}", "Training examples a worker has stepped over");

    /// <summary><see cref="MetricNames.WorkerSteps"/>.</summary>
    public static readonly Counter<long> WorkerSteps = Meter.CreateCounter<long>(MetricNames.WorkerSteps, "{step}", "Minibatch steps a worker has computed");

    /// <summary><see cref="MetricNames.StepDuration"/>.</summary>
    public static readonly Histogram<double> StepDuration = Meter.CreateHistogram(MetricNames.StepDuration, "s", "Time of one step's phase: pull, compute (forward + backward) or push", null, new InstrumentAdvice<double> { HistogramBucketBoundaries = StepSecondsBuckets });

    /// <summary><see cref="MetricNames.TrainLoss"/>.</summary>
    public static readonly Gauge<double> TrainLoss = Meter.CreateGauge<double>(MetricNames.TrainLoss, null, "Mean training loss of the current epoch so far");

    /// <summary><see cref="MetricNames.WorkerLoss"/>.</summary>
    public static readonly Gauge<double> WorkerLoss = Meter.CreateGauge<double>(MetricNames.WorkerLoss, null, "Mean loss of the last partition a worker finished");

    /// <summary><see cref="MetricNames.TestAccuracy"/>.</summary>
    public static readonly Gauge<double> TestAccuracy = Meter.CreateGauge<double>(MetricNames.TestAccuracy, "1", "Test-set accuracy after the last evaluated epoch");

    /// <summary><see cref="MetricNames.Epoch"/>.</summary>
    public static readonly Gauge<long> Epoch = Meter.CreateGauge<long>(MetricNames.Epoch, "{epoch}", "The epoch being trained");

    /// <summary><see cref="MetricNames.ShardPushes"/>.</summary>
    public static readonly Counter<long> ShardPushes = Meter.CreateCounter<long>(MetricNames.ShardPushes, "{push}", "Gradient pushes a shard received, by result");

    /// <summary><see cref="MetricNames.ShardPulls"/>.</summary>
    public static readonly Counter<long> ShardPulls = Meter.CreateCounter<long>(MetricNames.ShardPulls, "{pull}", "Parameter pulls a shard answered");

    /// <summary><see cref="MetricNames.ApplyDuration"/>.</summary>
    public static readonly Histogram<double> ApplyDuration = Meter.CreateHistogram(MetricNames.ApplyDuration, "s", "Optimizer apply time of one push over a shard's chunks", null, new InstrumentAdvice<double> { HistogramBucketBoundaries = ApplySecondsBuckets });

    /// <summary><see cref="MetricNames.Staleness"/>.</summary>
    public static readonly Histogram<long> Staleness = Meter.CreateHistogram(MetricNames.Staleness, "{version}", "Shard updates between the version a gradient was computed from and its apply", null, new InstrumentAdvice<long> { HistogramBucketBoundaries = StalenessBuckets });

    /// <summary><see cref="MetricNames.NetworkIo"/>.</summary>
    public static readonly Counter<long> NetworkIo = Meter.CreateCounter<long>(MetricNames.NetworkIo, "By", "Tensor payload bytes sent (transmit) and received (receive)");

    /// <summary><see cref="MetricNames.CheckpointDuration"/>: recorded by whoever writes checkpoints.</summary>
    public static readonly Histogram<double> CheckpointDuration = Meter.CreateHistogram(MetricNames.CheckpointDuration, "s", "Time to write one checkpoint", null, new InstrumentAdvice<double> { HistogramBucketBoundaries = CheckpointSecondsBuckets });

    /// <summary><see cref="MetricNames.WorkersAlive"/>.</summary>
    public static readonly UpDownCounter<long> WorkersAlive = Meter.CreateUpDownCounter<long>(MetricNames.WorkersAlive, "{worker}", "Worker actors alive");

    /// <summary><see cref="MetricNames.ShardsAlive"/>.</summary>
    public static readonly UpDownCounter<long> ShardsAlive = Meter.CreateUpDownCounter<long>(MetricNames.ShardsAlive, "{shard}", "Parameter shards alive");

    /// <summary><see cref="MetricNames.Failures"/>.</summary>
    public static readonly Counter<long> Failures = Meter.CreateCounter<long>(MetricNames.Failures, "{failure}", "Failures seen by the coordinator, by kind");

    /// <summary><see cref="MetricNames.Recoveries"/>.</summary>
    public static readonly Counter<long> Recoveries = Meter.CreateCounter<long>(MetricNames.Recoveries, "{recovery}", "Recoveries: partitions handed to another worker, by kind");

    /// <summary>A tag with a pre-boxed value, built once per actor so a hot-path Add boxes nothing.</summary>
    public static KeyValuePair<string, object?> Tag(string key, object value) => new(key, value);

    /// <summary>
    /// Starts a span under <paramref name="parent"/> (a root span when it is default) without touching the ambient
    /// <see cref="Activity.Current"/>: actors interleave messages on shared threads, so spans are carried
    /// explicitly, never inherited. Null when nobody listens or the trace is not sampled.
    /// </summary>
    public static Activity? StartSpan(string name, ActivityKind kind, ActivityContext parent)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var ambient = Activity.Current;
        Activity.Current = null;
        var span = Source.StartActivity(name, kind, parent);
        Activity.Current = ambient;
        if (span is { Recorded: false })
        {
            // Dropped by the sampler: children and the other side of a message would be dropped too.
            span.Dispose();
            return null;
        }

        return span;
    }

    /// <summary>Starts a span continuing the W3C <c>traceparent</c> a message carried; null when it carried none.</summary>
    public static Activity? ContinueSpan(string name, ActivityKind kind, string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, out var parent)
            ? StartSpan(name, kind, parent)
            : null;

    /// <summary>The W3C <c>traceparent</c> a message carries for <paramref name="span"/>; null for no span.</summary>
    public static string? TraceParent(Activity? span) => span?.Id;
}
