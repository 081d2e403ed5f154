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
        NoteLag();
        try
        {
            _trainingSet.Gather(partition.Indices.AsSpan(_position, batch), _features.AsSpan(0, batch * _trainingSet.FeatureSize), _labels.AsSpan(0, batch));
            executor.SetBatch(_features, _labels, batch);
            using (_telemetry.Phase(MetricNames.Spans.Forward))
            {
                executor.Forward();
            }

            var loss = executor.ReadLoss();
            using (_telemetry.Phase(MetricNames.Spans.Backward))
            {
                executor.Backward(accumulate: _stepsSincePush > 0);
            }

            if (!float.IsFinite(loss))
            {
                throw new DtrainException($"worker {job.WorkerId}: the loss became {loss} at epoch {partition.Epoch}, partition {partition.PartitionId}; lower the learning rate");
            }

            _lossSum += (double)loss * batch;
            _telemetry.Computed(batch, started);
        }
        catch (Exception e) when (e is DtrainException or ArgumentException or InvalidOperationException)
        {
            // The step cannot be retried with the same data: report it so the job fails with the reason.
            job.Coordinator.Tell(new WorkerFailed(job.WorkerId, e.Message));
            Become(Failed);
            return;
        }

        _position += batch;
        _steps++;
        _stepsSinceFetch++;
        _stepsSincePush++;
        if (_stepsSincePush >= job.PushEvery || _position >= partition.Indices.Length)
        {
            PushGradients();
        }

        _computeTicks += Stopwatch.GetTimestamp() - started;
        _telemetry.StepFinished();
    }

    private void PushGradients()
    {
        var job = _job!;
        var pushStarted = Stopwatch.GetTimestamp();
        using var pushSpan = _telemetry.PushStarted();
        _seq++;
        if (job.ClipNorm > 0)
        {
            // Only the worker sees the whole gradient (each shard holds a part), so the global norm is taken
            // here, over the trainable parameters' gradients (summed over the steps since the last push).
            GradientClipping.ClipByGlobalNorm(_backend!, _trainableGradients, new Tensor(_normScratch!, 0, 1), job.ClipNorm);
        }

        for (var s = 0; s < job.Shards.Length; s++)
        {
            var route = job.Shards[s];
            var payload = FloatBuffer.Rent(_routeFloats[s]);
            var span = payload.Span;
            var at = 0;
            foreach (var c in route.Chunks)
            {
                // State chunks (running statistics) travel as values; everything else as gradients.
                var source = c.State ? _executor!.Parameters : _executor!.Gradients;
                _backend!.Download(source.Slice(c.Offset, c.Length), span.Slice(at, c.Length));
                at += c.Length;
            }

            _pushesInFlight[s]++;
            route.Shard.Tell(new Push(job.WorkerId, _seq, _shardVersions[s], payload, DtrainTelemetry.TraceParent(pushSpan)));
            _telemetry.PushSent(_routeFloats[s]);
        }

        _stepsSincePush = 0;
        _telemetry.PushFinished(pushStarted);
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
