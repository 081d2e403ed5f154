// One training step of the worker: batch from the data set, forward, backward, and the push to every shard.
using System.Diagnostics;
using Akka.Actor;
using Dtrain.Models;
using Dtrain.Models.Optimizers;
using Dtrain.Models.Tensors;
using Dtrain.Protocol;
using Dtrain.Protocol.Telemetry;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.Worker;

internal sealed partial class WorkerActor
{
    private void ComputeStep()
    {
        var job = _job!;
        var executor = _executor!;
        var partition = _partition!;
        var batch = Math.Min(job.Batch, partition.Indices.Length - _position);
        var started = Stopwatch.GetTimestamp();
        var pushes = _stepsSincePush + 1 >= job.PushEvery || _position + batch >= partition.Indices.Length;

        // Clipping needs the norm of the whole gradient before any of it leaves; otherwise each shard gets its
        // part as soon as backward has finished it, and the push overlaps the rest of backward.
        var overlap = pushes && job.ClipNorm <= 0 && _overlapPushes;
        NoteLag();
        try
        {
            _trainingSet.Gather(partition.Indices.AsSpan(_position, batch), _features.AsSpan(0, batch * _trainingSet.FeatureSize), _labels.AsSpan(0, batch));
            executor.SetBatch(_features, _labels, batch);
            using (_telemetry.Phase(MetricNames.Spans.Forward))
            {
                executor.Forward();
            }

            // The loss comes back with the first push (or the step's end), not by a wait between forward and
            // backward: on a GPU the device runs on while backward is launched. It is checked before any push leaves.
            _backend!.DownloadAsync(executor.Loss, _lossHost!, 0);
            (_loss, _lossBatch) = (null, batch);
            if (overlap)
            {
                BeginPush();
            }

            using (_telemetry.Phase(MetricNames.Spans.Backward))
            {
                executor.Backward(accumulate: _stepsSincePush > 0, overlap ? _readiness : null);
            }

            _stepsSincePush++;
            if (pushes)
            {
                if (!overlap)
                {
                    BeginPush();
                    ClipGradients();
                    for (var s = 0; s < job.Shards.Length; s++)
                    {
                        StagePush(s);
                    }
                }

                FinishPush();
            }
            else
            {
                _backend.Fence().Wait();
                CheckLoss();
            }

            _telemetry.Computed(batch, started);
        }
        catch (Exception e) when (e is DtrainException or ArgumentException or InvalidOperationException)
        {
            // The step cannot be retried with the same data: report it so the job fails with the reason.
            AbandonPush();
            job.Coordinator.Tell(new WorkerFailed(job.WorkerId, e.Message));
            Become(Failed);
            return;
        }

        _position += batch;
        _steps++;
        _stepsSinceFetch++;
        _computeTicks += Stopwatch.GetTimestamp() - started;
        _telemetry.StepFinished();
    }

    /// <summary>
    /// Takes the step's loss once its copy has landed (any fence after it has passed): a loss that is not finite
    /// fails the step before any of its gradients leave.
    /// </summary>
    private void CheckLoss()
    {
        if (_loss is not null)
        {
            return;
        }

        var (job, partition) = (_job!, _partition!);
        var loss = _lossHost!.Array[0];
        if (!float.IsFinite(loss))
        {
            throw new DtrainException($"worker {job.WorkerId}: the loss became {loss} at epoch {partition.Epoch}, partition {partition.PartitionId}; lower the learning rate");
        }

        _loss = loss;
        _lossSum += (double)loss * _lossBatch;
    }

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
            route.Shard.Tell(new Push(job.WorkerId, _seq, _shardVersions[staged.Route], staged.Payload, DtrainTelemetry.TraceParent(_pushSpan)));
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

    private void Scatter(FloatBuffer values, int route)
    {
        var span = values.Span;
        var chunks = _job!.Shards[route].Chunks;
        if (span.Length != _routeFloats[route])
        {
            throw new DtrainException($"a shard sent {span.Length} floats for {chunks.Length} chunks of {_routeFloats[route]} floats");
        }

        var at = 0;
        foreach (var c in chunks)
        {
            _backend!.Upload(span.Slice(at, c.Length), _executor!.Parameters.Slice(c.Offset, c.Length));
            at += c.Length;
        }
    }
}

