// The worker's push: each shard's floats copied into a reused host payload (page-locked on a GPU) behind the
// kernels that computed them, and sent in order once landed, during backward when the push overlaps it.
using System.Diagnostics;
using Akka.Actor;
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Optimizers;
using Dtrain.Models.Tensors;
using Dtrain.Protocol;
using Dtrain.Protocol.Telemetry;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.Worker;

internal sealed partial class WorkerActor
{
    // The push in progress: host payloads per route, when each shard's gradients are final, and those staged.
    private readonly Queue<StagedPush> _staged = new();
    private PushPayloads? _payloads;
    private GradientReadiness? _readiness;
    private bool _overlapPushes;
    private long _pushStarted;
    private Activity? _pushSpan;

    private void BeginPush()
    {
        _seq++;
        _pushStarted = Stopwatch.GetTimestamp();
        _pushSpan = _telemetry.PushStarted();
    }

    private void ClipGradients()
    {
        var job = _job!;
        if (job.ClipNorm > 0)
        {
            // Only the worker sees the whole gradient (each shard holds a part), so the global norm is taken
            // here, over the trainable parameters' gradients (summed over the steps since the last push).
            GradientClipping.ClipByGlobalNorm(_backend!, _trainableGradients, new Tensor(_normScratch!, 0, 1), job.ClipNorm);
        }
    }

    /// <summary>
    /// Queues the copy of route <paramref name="s"/>'s floats into a host payload (page-locked on a GPU) behind
    /// the kernels that computed them, then sends every staged payload that has landed, in order.
    /// </summary>
    private void StagePush(int s)
    {
        var (host, payload) = _payloads!.Rent(s);
        var at = 0;
        foreach (var c in _job!.Shards[s].Chunks)
        {
            // State chunks (running statistics) travel as values; everything else as gradients.
            var source = c.State ? _executor!.Parameters : _executor!.Gradients;
            _backend!.DownloadAsync(source.Slice(c.Offset, c.Length), host, at);
            at += c.Length;
        }

        _staged.Enqueue(new StagedPush(s, payload, _backend!.Fence()));
        SendLanded(wait: false);
    }

    /// <summary>Sends staged payloads in order: those that have landed, or with <paramref name="wait"/> all of them.</summary>
    private void SendLanded(bool wait)
    {
        var job = _job!;
        while (_staged.TryPeek(out var staged))
        {
            if (!wait && !staged.Landed.IsComplete)
            {
                return;
            }

            staged.Landed.Wait();
            CheckLoss();
            _staged.Dequeue();
            var route = job.Shards[staged.Route];
            _pushesInFlight[staged.Route]++;
            route.Shard.Tell(new Push(job.WorkerId, _seq, _shardVersions[staged.Route], staged.Payload, DtrainTelemetry.TraceParent(_pushSpan), route.Generation));
            _telemetry.PushSent(_routeFloats[staged.Route]);
        }
    }

    private void FinishPush()
    {
        SendLanded(wait: true);
        _stepsSincePush = 0;
        _telemetry.PushFinished(_pushStarted);
        _pushSpan?.Dispose();
        _pushSpan = null;
    }

    /// <summary>A step failed mid-push: payloads not yet sent go back unsent.</summary>
    private void AbandonPush()
    {
        while (_staged.TryDequeue(out var staged))
        {
            staged.Payload.Release();
        }

        _pushSpan?.Dispose();
        _pushSpan = null;
    }

    /// <summary>A payload whose copy from the device is queued; it is sent once <paramref name="Landed"/> completes.</summary>
    private readonly record struct StagedPush(int Route, FloatBuffer Payload, DeviceFence Landed);
}
