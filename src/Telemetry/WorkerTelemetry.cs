// A worker's instruments and step trace: one call per event from the actor, no allocation without a listener.
using System.Diagnostics;
using static Dtrain.Protocol.Telemetry.MetricNames;

namespace Dtrain.Protocol.Telemetry;

/// <summary>
/// Records one worker's steps. A step is a trace: <c>dtrain.step</c> with children pull (carried to every shard
/// in <see cref="ParameterShardProtocol.Pull.TraceParent"/>), forward, backward and push (carried in
/// <see cref="ParameterShardProtocol.Push.TraceParent"/>, which the shard continues with its apply span).
/// </summary>
public sealed class WorkerTelemetry
{
    private const int FloatBytes = sizeof(float);
    private static readonly KeyValuePair<string, object?> PullPhase = new(Tags.Phase, "pull");
    private static readonly KeyValuePair<string, object?> ComputePhase = new(Tags.Phase, "compute");
    private static readonly KeyValuePair<string, object?> PushPhase = new(Tags.Phase, "push");
    private static readonly KeyValuePair<string, object?> WorkerRole = new(Tags.Role, "worker");
    private static readonly KeyValuePair<string, object?> Transmit = new(Tags.Direction, "transmit");
    private static readonly KeyValuePair<string, object?> Receive = new(Tags.Direction, "receive");
    private readonly KeyValuePair<string, object?> _worker;
    private Activity? _step;
    private Activity? _pull;
    private long _pullStarted;

    /// <summary>Instruments for worker <paramref name="workerId"/>.</summary>
    public WorkerTelemetry(int workerId) => _worker = DtrainTelemetry.Tag(Tags.Worker, workerId);

    /// <summary>The worker actor started.</summary>
    public static void Started() => DtrainTelemetry.WorkersAlive.Add(1);

    /// <summary>The worker actor stopped.</summary>
    public void Stopped()
    {
        DtrainTelemetry.WorkersAlive.Add(-1);
        EndSpans();
    }

    /// <summary>A pull to every shard starts now; returns the traceparent each Pull carries (null: not traced).</summary>
    public string? PullStarted()
    {
        _pullStarted = Stopwatch.GetTimestamp();
        _step ??= DtrainTelemetry.StartSpan(Spans.Step, ActivityKind.Internal, default);
        if (_step is null)
        {
            return null;
        }

        _pull = DtrainTelemetry.StartSpan(Spans.Pull, ActivityKind.Client, _step.Context);
        return DtrainTelemetry.TraceParent(_pull);
    }

    /// <summary>One shard's parameters arrived (<paramref name="floats"/> of them, 0 when unchanged).</summary>
    public void ParamsReceived(int floats) => DtrainTelemetry.NetworkIo.Add((long)floats * FloatBytes, WorkerRole, Receive);

    /// <summary>Every shard answered the pull.</summary>
    public void PullFinished()
    {
        DtrainTelemetry.StepDuration.Record(Stopwatch.GetElapsedTime(_pullStarted).TotalSeconds, _worker, PullPhase);
        _pull?.Dispose();
        _pull = null;
    }

    /// <summary>Starts a child span of the step (forward, backward); dispose it when the phase ends.</summary>
    public Activity? Phase(string span)
    {
        if (!DtrainTelemetry.Source.HasListeners())
        {
            return null;
        }

        _step ??= DtrainTelemetry.StartSpan(Spans.Step, ActivityKind.Internal, default);
        return _step is null ? null : DtrainTelemetry.StartSpan(span, ActivityKind.Internal, _step.Context);
    }

    /// <summary>Forward and backward over <paramref name="examples"/> examples took since <paramref name="started"/>.</summary>
    public void Computed(int examples, long started)
    {
        DtrainTelemetry.StepDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _worker, ComputePhase);
        DtrainTelemetry.WorkerExamples.Add(examples, _worker);
        DtrainTelemetry.WorkerSteps.Add(1, _worker);
    }

    /// <summary>A push to every shard starts; dispose the returned span when the last one is sent.</summary>
    public Activity? PushStarted() => _step is null ? null : DtrainTelemetry.StartSpan(Spans.Push, ActivityKind.Producer, _step.Context);

    /// <summary>A push of <paramref name="floats"/> floats went to a shard.</summary>
    public void PushSent(int floats) => DtrainTelemetry.NetworkIo.Add((long)floats * FloatBytes, WorkerRole, Transmit);

    /// <summary>The push phase started at <paramref name="started"/> ended.</summary>
    public void PushFinished(long started) => DtrainTelemetry.StepDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _worker, PushPhase);

    /// <summary>The step ended: its trace closes.</summary>
    public void StepFinished()
    {
        if (_step is not null)
        {
            EndSpans();
        }
    }

    private void EndSpans()
    {
        _pull?.Dispose();
        _step?.Dispose();
        (_pull, _step) = (null, null);
    }
}
