// Keeps what the live page and the report show: curves, per-worker and per-shard figures, cluster members.
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Dtrain.Protocol.Telemetry;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Cli.Telemetry;

/// <summary>
/// Records the job as it runs: progress and epoch reports from the coordinator, and the shards' and workers'
/// instruments through an in-process <see cref="MeterListener"/> (started only when a page or report wants them).
/// Thread-safe: measurements arrive on actor threads, snapshots are taken on HTTP threads.
/// </summary>
public sealed class TrainingRecorder : IDisposable
{
    /// <summary>Upper bounds of the staleness histogram's buckets (the last bucket is everything above).</summary>
    public static readonly long[] StalenessBounds = [0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128];

    private const int MaxPoints = 4000;
    private readonly Lock _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly MeterListener _listener = new();
    private readonly List<ProgressPoint> _points = [];
    private readonly List<EpochCompleted> _epochs = [];
    private readonly SortedDictionary<int, WorkerFigures> _workers = [];
    private readonly SortedDictionary<int, ShardFigures> _shards = [];
    private readonly long[] _staleness = new long[StalenessBounds.Length + 1];
    private long _workersAlive;
    private long _shardsAlive;
    private long _peakWorkers;
    private long _peakShards;
    private long _bytesSent;
    private long _bytesReceived;
    private long _failures;
    private string _status = "starting";

    /// <summary>Starts listening to the product's meter.</summary>
    public TrainingRecorder(string title)
    {
        Title = title;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == DtrainTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnLong);
        _listener.SetMeasurementEventCallback<double>(OnDouble);
        _listener.Start();
    }

    /// <summary>What is being trained (model and cluster shape).</summary>
    public string Title { get; }

    /// <summary>One point of the live curves.</summary>
    public sealed record ProgressPoint(double Seconds, int Epoch, long Step, double Loss, double ExamplesPerSecond);

    /// <summary>Latest figures of one worker.</summary>
    public sealed class WorkerFigures
    {
        /// <summary>Steps computed.</summary>
        public long Steps { get; set; }

        /// <summary>Examples computed.</summary>
        public long Examples { get; set; }

        /// <summary>Mean loss of its last partition.</summary>
        public double Loss { get; set; }

        /// <summary>Examples per second of compute over its last partition.</summary>
        public double ExamplesPerSecond { get; set; }
    }

    /// <summary>Running figures of one shard.</summary>
    public sealed class ShardFigures
    {
        /// <summary>Pushes applied.</summary>
        public long Pushes { get; set; }

        /// <summary>Pulls answered.</summary>
        public long Pulls { get; set; }

        /// <summary>Sum of staleness over applied pushes.</summary>
        public long StalenessSum { get; set; }

        /// <summary>Largest staleness.</summary>
        public long StalenessMax { get; set; }

        /// <summary>Sum of apply seconds.</summary>
        public double ApplySeconds { get; set; }
    }

    /// <summary>A coordinator progress report arrived (one per finished partition).</summary>
    public void Progress(TrainingProgress p)
    {
        lock (_gate)
        {
            _status = "training";
            if (_points.Count >= MaxPoints)
            {
                // Keep the whole run on the curve at bounded memory: drop every other point.
                for (var i = 0; i < _points.Count / 2; i++)
                {
                    _points[i] = _points[2 * i];
                }

                _points.RemoveRange(_points.Count / 2, _points.Count - (_points.Count / 2));
            }

            _points.Add(new ProgressPoint(_clock.Elapsed.TotalSeconds, p.Epoch, p.Steps, p.TrainLoss, p.ExamplesPerSecond));
            if (p.WorkerId >= 0)
            {
                var w = Worker(p.WorkerId);
                w.Loss = p.WorkerLoss;
                w.ExamplesPerSecond = p.WorkerExamplesPerSecond;
            }
        }
    }

    /// <summary>An epoch was trained and evaluated.</summary>
    public void Epoch(EpochCompleted e)
    {
        lock (_gate)
        {
            _epochs.Add(e);
        }
    }

    /// <summary>The job ended; <paramref name="status"/> is done or failed.</summary>
    public void Finished(string status)
    {
        lock (_gate)
        {
            _status = status;
        }
    }

    /// <summary>Epoch reports so far.</summary>
    public IReadOnlyList<EpochCompleted> Epochs()
    {
        lock (_gate)
        {
            return [.. _epochs];
        }
    }

    /// <summary>Progress points so far.</summary>
    public IReadOnlyList<ProgressPoint> Points()
    {
        lock (_gate)
        {
            return [.. _points];
        }
    }

    /// <summary>Staleness counts per bucket of <see cref="StalenessBounds"/>, plus the overflow bucket.</summary>
    public long[] StalenessCounts()
    {
        lock (_gate)
        {
            return [.. _staleness];
        }
    }

    /// <summary>Everything the live page draws, as a JSON-ready object graph.</summary>
    public Dictionary<string, object> Snapshot()
    {
        lock (_gate)
        {
            return new Dictionary<string, object>
            {
                ["title"] = Title,
                ["status"] = _status,
                ["elapsed_seconds"] = _clock.Elapsed.TotalSeconds,
                ["progress"] = _points.Select(p => new object[] { Math.Round(p.Seconds, 3), p.Epoch, p.Step, p.Loss, p.ExamplesPerSecond }).ToArray(),
                ["epochs"] = _epochs.Select(e => new Dictionary<string, object>
                {
                    ["epoch"] = e.Epoch,
                    ["train_loss"] = e.TrainLoss,
                    ["test_accuracy"] = e.TestAccuracy,
                    ["examples_per_second"] = e.ExamplesPerSecond,
                }).ToArray(),
                ["workers"] = _workers.Select(kv => new Dictionary<string, object>
                {
                    ["id"] = kv.Key,
                    ["steps"] = kv.Value.Steps,
                    ["examples"] = kv.Value.Examples,
                    ["loss"] = kv.Value.Loss,
                    ["examples_per_second"] = kv.Value.ExamplesPerSecond,
                }).ToArray(),
                ["shards"] = _shards.Select(kv => new Dictionary<string, object>
                {
                    ["id"] = kv.Key,
                    ["pushes"] = kv.Value.Pushes,
                    ["pulls"] = kv.Value.Pulls,
                    ["staleness_mean"] = kv.Value.Pushes == 0 ? 0 : (double)kv.Value.StalenessSum / kv.Value.Pushes,
                    ["staleness_max"] = kv.Value.StalenessMax,
                    ["apply_ms_mean"] = kv.Value.Pushes == 0 ? 0 : 1000 * kv.Value.ApplySeconds / kv.Value.Pushes,
                }).ToArray(),
                ["staleness_bounds"] = StalenessBounds,
                ["staleness_counts"] = _staleness.ToArray(),
                ["members"] = new Dictionary<string, object> { ["workers"] = _workersAlive, ["shards"] = _shardsAlive, ["peak_workers"] = _peakWorkers, ["peak_shards"] = _peakShards },
                ["bytes"] = new Dictionary<string, object> { ["sent"] = _bytesSent, ["received"] = _bytesReceived },
                ["failures"] = _failures,
            };
        }
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private static object? TagValue(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var t in tags)
        {
            if (t.Key == key)
            {
                return t.Value;
            }
        }

        return null;
    }

    private WorkerFigures Worker(int id)
    {
        if (!_workers.TryGetValue(id, out var w))
        {
            _workers[id] = w = new WorkerFigures();
        }

        return w;
    }

    private ShardFigures Shard(int id)
    {
        if (!_shards.TryGetValue(id, out var s))
        {
            _shards[id] = s = new ShardFigures();
        }

        return s;
    }

    private void OnLong(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        lock (_gate)
        {
            switch (instrument.Name)
            {
                case MetricNames.WorkerSteps when TagValue(tags, MetricNames.Tags.Worker) is int w:
                    Worker(w).Steps += value;
                    break;
                case MetricNames.WorkerExamples when TagValue(tags, MetricNames.Tags.Worker) is int w:
                    Worker(w).Examples += value;
                    break;
                case MetricNames.ShardPushes when TagValue(tags, MetricNames.Tags.Shard) is int s && TagValue(tags, MetricNames.Tags.Result) is "applied":
                    Shard(s).Pushes += value;
                    break;
                case MetricNames.ShardPulls when TagValue(tags, MetricNames.Tags.Shard) is int s:
                    Shard(s).Pulls += value;
                    break;
                case MetricNames.Staleness when TagValue(tags, MetricNames.Tags.Shard) is int s:
                    var shard = Shard(s);
                    shard.StalenessSum += value;
                    shard.StalenessMax = Math.Max(shard.StalenessMax, value);
                    var bucket = Array.FindIndex(StalenessBounds, b => value <= b);
                    _staleness[bucket < 0 ? StalenessBounds.Length : bucket]++;
                    break;
                case MetricNames.NetworkIo when TagValue(tags, MetricNames.Tags.Role) is "worker":
                    // Count each payload once, from the worker's side of the wire.
                    if (TagValue(tags, MetricNames.Tags.Direction) is "transmit")
                    {
                        _bytesSent += value;
                    }
                    else
                    {
                        _bytesReceived += value;
                    }

                    break;
                case MetricNames.WorkersAlive:
                    _workersAlive += value;
                    _peakWorkers = Math.Max(_peakWorkers, _workersAlive);
                    break;
                case MetricNames.ShardsAlive:
                    _shardsAlive += value;
                    _peakShards = Math.Max(_peakShards, _shardsAlive);
                    break;
                case MetricNames.Failures:
                    _failures += value;
                    break;
            }
        }
    }

    private void OnDouble(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument.Name == MetricNames.ApplyDuration && TagValue(tags, MetricNames.Tags.Shard) is int s)
        {
            lock (_gate)
            {
                Shard(s).ApplySeconds += value;
            }
        }
    }
}
