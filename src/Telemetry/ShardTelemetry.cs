// A parameter shard's instruments and spans: pushes, pulls, apply time, staleness, payload bytes.
using System.Diagnostics;
using static Dtrain.Protocol.Telemetry.MetricNames;

namespace Dtrain.Protocol.Telemetry;

/// <summary>Records one shard's work; its spans continue the trace of the worker step that sent the message.</summary>
public sealed class ShardTelemetry
{
    private const int FloatBytes = sizeof(float);
    private static readonly KeyValuePair<string, object?> Applied = new(Tags.Result, "applied");
    private static readonly KeyValuePair<string, object?> Duplicate = new(Tags.Result, "duplicate");
    private static readonly KeyValuePair<string, object?> Rejected = new(Tags.Result, "rejected");
    private static readonly KeyValuePair<string, object?> ShardRole = new(Tags.Role, "ps");
    private static readonly KeyValuePair<string, object?> Transmit = new(Tags.Direction, "transmit");
    private static readonly KeyValuePair<string, object?> Receive = new(Tags.Direction, "receive");
    private KeyValuePair<string, object?> _shard = new(Tags.Shard, -1);

    /// <summary>The shard actor started.</summary>
    public static void Started() => DtrainTelemetry.ShardsAlive.Add(1);

    /// <summary>The shard actor stopped.</summary>
    public static void Stopped() => DtrainTelemetry.ShardsAlive.Add(-1);

    /// <summary>The shard learned its id (InitShard).</summary>
    public void Named(int shardId) => _shard = DtrainTelemetry.Tag(Tags.Shard, shardId);

    /// <summary>A pull was answered with <paramref name="floats"/> floats (0: unchanged); a span in the puller's trace.</summary>
    public void Pulled(string? traceParent, int floats)
    {
        DtrainTelemetry.ContinueSpan(Spans.ServePull, ActivityKind.Server, traceParent)?.Dispose();
        DtrainTelemetry.ShardPulls.Add(1, _shard);
        DtrainTelemetry.NetworkIo.Add((long)floats * FloatBytes, ShardRole, Transmit);
    }

    /// <summary>A push of <paramref name="floats"/> floats arrived; the span (dispose it after the apply) continues its trace.</summary>
    public Activity? PushArrived(string? traceParent, int floats)
    {
        DtrainTelemetry.NetworkIo.Add((long)floats * FloatBytes, ShardRole, Receive);
        return DtrainTelemetry.ContinueSpan(Spans.Apply, ActivityKind.Consumer, traceParent);
    }

    /// <summary>A push was applied in the time since <paramref name="started"/>, <paramref name="staleness"/> versions late.</summary>
    public void PushApplied(long started, long staleness)
    {
        DtrainTelemetry.ApplyDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _shard);
        DtrainTelemetry.Staleness.Record(staleness, _shard);
        DtrainTelemetry.ShardPushes.Add(1, _shard, Applied);
    }

    /// <summary>A retried push was acknowledged without applying.</summary>
    public void PushDuplicate() => DtrainTelemetry.ShardPushes.Add(1, _shard, Duplicate);

    /// <summary>A push was refused.</summary>
    public void PushRejected() => DtrainTelemetry.ShardPushes.Add(1, _shard, Rejected);

    /// <summary>A checkpoint of this shard is in the database: its copy plus checksum and write, in seconds.</summary>
    public static void CheckpointWritten(double seconds) => DtrainTelemetry.CheckpointDuration.Record(seconds, ShardRole);
}
