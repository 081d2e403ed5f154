// The worker's pushes of one job: which steps push and whether during backward, sequence numbers, each shard's part
// staged in a reused host payload behind the kernels that computed it, handed out in order once landed, and the
// pushes each shard has not acknowledged yet.
using System.Diagnostics;
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Graph;
using Dtrain.Protocol;
using Dtrain.Protocol.Telemetry;

namespace Dtrain.Worker;

/// <summary>How a step's gradients leave: summed into a later push, after the whole backward, or each shard's part during it.</summary>
internal enum StepPush
{
    /// <summary>Not this step: its gradients add to the next push's.</summary>
    None,

    /// <summary>After backward (clipping needs the whole gradient first, or overlap is off).</summary>
    AfterBackward,

    /// <summary>Each shard's part as soon as backward has finished it, overlapping the rest of backward.</summary>
    DuringBackward,
}

/// <summary>What one step does with its gradients: add to those of earlier steps, and how they leave.</summary>
internal readonly record struct StepPlan(bool Accumulate, StepPush Push);

/// <summary>One shard's push, ready to send: its route, the push's sequence number, the payload and the trace to carry.</summary>
internal readonly record struct OutgoingPush(int Route, long Seq, FloatBuffer Payload, string? TraceParent);

/// <summary>
/// The push side of a job's steps. A push is begun (a new sequence number), each route's part staged (its copy to
/// the host queued behind backward), and the staged parts taken in order once landed; each taken part counts as in
/// flight until its shard acknowledges it. Sequence numbers go on from the previous job's, so answers to pushes sent
/// before the job was joined are told apart.
/// </summary>
internal sealed class PushPipeline : IDisposable
{
    /// <summary>Pushes a shard may have unacknowledged before the worker waits: bounds memory and staleness.</summary>
    public const int MaxInFlight = 2;

    private readonly ChunkInfo[][] _routes;
    private readonly int[] _routeFloats;
    private readonly PushPayloads _payloads;
    private readonly Queue<StagedPush> _staged = new();
    private readonly int[] _inFlight;
    private readonly int _pushEvery;
    private readonly bool _overlap;
    private readonly long _joinedAfterSeq;
    private readonly WorkerTelemetry _telemetry;
    private long _seq;
    private int _stepsSincePush;

    // The push in progress: when it began and its span.
    private long _started;
    private Activity? _span;

    /// <summary>
    /// Pushes to shards owning <paramref name="routes"/> (chunks per route) every <paramref name="pushEvery"/> steps,
    /// during backward when <paramref name="overlap"/> allows it; <paramref name="ready"/> hears of each route whose
    /// gradients backward has finished (through <see cref="Readiness"/>). <paramref name="lastSeq"/>: the last sequence
    /// number the worker sent before.
    /// </summary>
    public PushPipeline(IBackend backend, CompiledModel model, ChunkInfo[][] routes, int pushEvery, bool overlap, long lastSeq, WorkerTelemetry telemetry, Action<int> ready)
    {
        _routes = routes;
        _routeFloats = routes.Select(ChunkPlacement.Floats).ToArray();
        _payloads = new PushPayloads(backend, _routeFloats);
        _inFlight = new int[routes.Length];
        (_pushEvery, _overlap, _telemetry) = (pushEvery, overlap, telemetry);
        (_seq, _joinedAfterSeq) = (lastSeq, lastSeq);

        // Running statistics (state chunks) are final after forward; only gradient chunks wait for backward.
        Readiness = new GradientReadiness(
            model,
            routes.Select(r => (IReadOnlyList<(int, int)>)r.Where(c => !c.State).Select(c => (c.Offset, c.Length)).ToArray()).ToArray(),
            ready);
    }

    /// <summary>Tells the ready callback when each route's gradients are final during backward.</summary>
    public GradientReadiness Readiness { get; }

    /// <summary>The sequence number of the last push begun.</summary>
    public long LastSeq => _seq;

    /// <summary>The most pushes any one shard has not acknowledged.</summary>
    public int MostInFlight
    {
        get
        {
            // Read several times per step: a plain loop, no LINQ enumerator.
            var most = 0;
            foreach (var n in _inFlight)
            {
                most = Math.Max(most, n);
            }

            return most;
        }
    }

    /// <summary>Plans the next step: it pushes every n_push steps and at the end of a partition (<paramref name="lastOfPartition"/>).</summary>
    public StepPlan PlanStep(bool lastOfPartition)
    {
        var accumulate = _stepsSincePush > 0;
        if (++_stepsSincePush < _pushEvery && !lastOfPartition)
        {
            return new StepPlan(accumulate, StepPush.None);
        }

        _stepsSincePush = 0;
        return new StepPlan(accumulate, _overlap ? StepPush.DuringBackward : StepPush.AfterBackward);
    }

    /// <summary>A push begins: its sequence number and span.</summary>
    public void Begin()
    {
        _seq++;
        _started = Stopwatch.GetTimestamp();
        _span = _telemetry.PushStarted();
    }

    /// <summary>Queues the copy of route <paramref name="route"/>'s part of <paramref name="replica"/> into a host payload (page-locked on a GPU).</summary>
    public void Stage(int route, Replica replica)
    {
        var (host, payload) = _payloads.Rent(route);
        _staged.Enqueue(new StagedPush(route, payload, replica.CopyOut(_routes[route], host)));
    }

    /// <summary>True when the oldest staged part has landed; with <paramref name="wait"/>, waits for it when there is one.</summary>
    public bool HeadLanded(bool wait)
    {
        if (!_staged.TryPeek(out var staged) || (!wait && !staged.Landed.IsComplete))
        {
            return false;
        }

        staged.Landed.Wait();
        return true;
    }

    /// <summary>Takes the oldest staged part (landed: see <see cref="HeadLanded"/>) to send; it is in flight until acknowledged.</summary>
    public OutgoingPush Send()
    {
        var staged = _staged.Dequeue();
        _inFlight[staged.Route]++;
        _telemetry.PushSent(_routeFloats[staged.Route]);
        return new OutgoingPush(staged.Route, _seq, staged.Payload, DtrainTelemetry.TraceParent(_span));
    }

    /// <summary>Every part of the push has been sent.</summary>
    public void Finish()
    {
        Debug.Assert(_staged.Count == 0, "a push finishes once every staged part is sent");
        _telemetry.PushFinished(_started);
        _span?.Dispose();
        _span = null;
    }

    /// <summary>Shard <paramref name="route"/> acknowledged push <paramref name="seq"/>; false when it was not one of this job's in flight.</summary>
    public bool Acknowledged(int route, long seq)
    {
        if (SentBeforeJoining(seq) || route < 0 || _inFlight[route] == 0)
        {
            return false;
        }

        _inFlight[route]--;
        return true;
    }

    /// <summary>Push <paramref name="seq"/> was sent for a job (or a shard state) that is gone: its answer concerns no push of this job.</summary>
    public bool SentBeforeJoining(long seq) => seq <= _joinedAfterSeq;

    /// <summary>A step failed mid-push: payloads not yet sent go back unsent.</summary>
    public void Abandon()
    {
        while (_staged.TryDequeue(out var staged))
        {
            staged.Payload.Release();
        }

        _span?.Dispose();
        _span = null;
    }

    public void Dispose()
    {
        Abandon();
        _payloads.Dispose();
    }

    /// <summary>A payload whose copy from the device is queued; it is sent once <paramref name="Landed"/> completes.</summary>
    private readonly record struct StagedPush(int Route, FloatBuffer Payload, DeviceFence Landed);
}
