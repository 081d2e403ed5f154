// One training step of the worker: batch from the data set, forward, backward (pushing as it finishes each
// shard's part) and the loss check; and pulled parameters scattered onto the device.
using System.Diagnostics;
using Akka.Actor;
using Dtrain.Models;
using Dtrain.Models.Data;
using Dtrain.Protocol;
using Dtrain.Protocol.Telemetry;
using static Dtrain.Protocol.CoordinatorProtocol;

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
            var indices = partition.Indices.AsSpan(_position, batch);
            _trainingSet.Gather(indices, _features.AsSpan(0, batch * _trainingSet.FeatureSize), _labels.AsSpan(0, batch * _trainingSet.TargetSize));
            if (ImageAugment.IsOn(_augment.CropPadding, _augment.Flip))
            {
                // After the gather, before the upload: each example's draw depends on (seed, epoch, index) only.
                ImageAugment.Apply(_features.AsSpan(0, batch * _trainingSet.FeatureSize), _trainingSet.FeatureShape, indices, _augment.CropPadding, _augment.Flip, _augment.Seed, partition.Epoch);
            }

            executor.SetBatch(_features, _labels, batch);
            using (_telemetry.Phase(MetricNames.Spans.Forward))
            {
                executor.Forward();
            }

            // The loss comes back with the first push (or the step's end), not by a wait between forward and
            // backward: on a GPU the device runs on while backward is launched. It is checked before any push leaves.
            _backend!.DownloadAsync(executor.Loss, _lossHost!, 0);
            (_lossTaken, _lossBatch) = (false, batch);
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
        if (_lossTaken)
        {
            return;
        }

        var (job, partition) = (_job!, _partition!);
        var loss = _lossHost!.Array[0];
        if (!float.IsFinite(loss))
        {
            throw new DtrainException($"worker {job.WorkerId}: the loss became {loss} at epoch {partition.Epoch}, partition {partition.PartitionId}; lower the learning rate");
        }

        _lossTaken = true;
        _lossSum += (double)loss * _lossBatch;
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

