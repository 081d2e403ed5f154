// The per-step telemetry calls of workers and shards allocate nothing, with or without a metrics listener.
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Dtrain.Protocol.Telemetry;

namespace Dtrain.Protocol.Telemetry.Tests;

public sealed class TelemetryAllocationTests
{
    [Fact]
    public void Step_telemetry_allocates_nothing_when_nobody_listens()
    {
        // Arrange
        var (worker, shard) = (new WorkerTelemetry(3), new ShardTelemetry());
        shard.Named(1);
        OneStep(worker, shard);

        // Act
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            OneStep(worker, shard);
        }

        // Assert
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Step_telemetry_allocates_nothing_per_step_while_a_meter_listener_records()
    {
        // Arrange: a listener like the exporters' (every dtrain instrument enabled), tags read but not kept.
        long seen = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == DtrainTelemetry.Name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, v, tags, _) => seen += v + tags.Length);
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) => seen += tags.Length);
        listener.Start();
        var (worker, shard) = (new WorkerTelemetry(3), new ShardTelemetry());
        shard.Named(1);
        OneStep(worker, shard);

        // Act
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            OneStep(worker, shard);
        }

        // Assert
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(seen > 0);
    }

    // The calls one worker step and its shard make, in order.
    private static void OneStep(WorkerTelemetry worker, ShardTelemetry shard)
    {
        var started = Stopwatch.GetTimestamp();
        var traceParent = worker.PullStarted();
        shard.Pulled(traceParent, 1024);
        worker.ParamsReceived(1024);
        worker.PullFinished();
        using (worker.Phase(MetricNames.Spans.Forward))
        {
        }

        using (worker.Phase(MetricNames.Spans.Backward))
        {
        }

        worker.Computed(128, started);
        using (var push = worker.PushStarted())
        {
            worker.PushSent(1024);
            using var apply = shard.PushArrived(DtrainTelemetry.TraceParent(push), 1024);
            shard.PushApplied(started, 2);
        }

        worker.PushFinished(started);
        worker.StepFinished();
    }
}
