// End of an epoch: pull every shard, evaluate the test set off the actor thread, report, go on or finish.
using Akka.Actor;
using Dtrain.Protocol;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.Coordinator;

internal sealed partial class CoordinatorActor
{
    private int _paramsPending;
    private long _evalRequest;
    private int _evalEpoch;
    private double _evalTrainSeconds;
    private readonly List<ShardStats> _stats = [];

    private void BeginEvaluation(int epoch, double trainSeconds)
    {
        _evalEpoch = epoch;
        _evalTrainSeconds = trainSeconds;
        _evalRequest++;
        _paramsPending = _shards.Count;
        foreach (var shard in _shards)
        {
            shard.Tell(new Pull(_evalRequest, -1));
        }

        Become(Evaluating);
    }

    private void Evaluating()
    {
        Receive<Params>(p =>
        {
            if (p.RequestId != _evalRequest || p.Values is null)
            {
                p.Values?.Release();
                return;
            }

            _evaluator.Load(p.Values, _placement[p.ShardId]);
            p.Values.Release();
            if (--_paramsPending == 0)
            {
                var evaluator = _evaluator;
                // Failures travel inside the result: Status.Failure would not survive serialize-messages.
                Task.Run(() =>
                {
                    try
                    {
                        return new EvaluationDone(evaluator.Accuracy(), null);
                    }
                    catch (Exception e) when (e is Dtrain.Models.DtrainException or ArgumentException or InvalidOperationException)
                    {
                        return new EvaluationDone(0, e.Message);
                    }
                }).PipeTo(Self);
            }
        });
        Receive<EvaluationDone>(OnEvaluated);
        Receive<RequestWork>(r => _idleWorkers.Add(r.WorkerId));
        Receive<WorkerFailed>(f => Fail($"worker {f.WorkerId}: {f.Reason}"));
        Receive<Terminated>(OnWorkerTerminated);
        Membership();
        Checkpointing();
    }

    private void OnEvaluated(EvaluationDone done)
    {
        if (done.Error is not null)
        {
            Fail($"evaluation on the test set failed: {done.Error}");
            return;
        }

        var examples = _epoch!.Partitions.Sum(p => p.Length);
        var report = new EpochCompleted(
            _evalEpoch,
            _epochLoss / examples,
            done.Accuracy,
            (examples - _epochSkippedExamples) / _evalTrainSeconds,
            _evalTrainSeconds,
            _wall.Elapsed.TotalSeconds,
            _totalSteps,
            _epoch.DoneCount,
            _epoch.Partitions.Length);
        _history.Add(report);
        Dtrain.Protocol.Telemetry.CoordinatorTelemetry.Evaluated(done.Accuracy);
        _listener.Tell(report);

        // The epoch-end checkpoint: the next epoch with nothing done yet. Shards snapshot and go on serving.
        TakeCheckpoint($"end of epoch {_evalEpoch}", epochEnd: true);
        if (_evalEpoch < _job.Settings.Epochs)
        {
            Become(Training);
            StartEpoch(_evalEpoch + 1);
            return;
        }

        BeginFinishing();
    }

    private void BeginFinishing()
    {
        _stats.Clear();
        foreach (var shard in _shards)
        {
            shard.Tell(new GetStats(_evalRequest));
        }

        Become(Finishing);
    }

    private void Finishing()
    {
        Receive<ShardStats>(s =>
        {
            _stats.Add(s);
            TryComplete();
        });
        Receive<FinishIfDone>(_ => TryComplete());
        Receive<RequestWork>(_ => { });
        Receive<Terminated>(_ => { });
        Membership();
        Checkpointing();
    }

    /// <summary>The job completes once every shard reported and the last checkpoint is written (or has failed).</summary>
    private void TryComplete()
    {
        if (_stats.Count < _shards.Count || CheckpointsInFlight > 0)
        {
            return;
        }

        {
            // Training ran to its end either way; what the user must hear is that its final parameters are not on disk.
            var finalMissing = _job.Settings.Checkpoint && _finalCheckpointDue;
            EndWith(new Protocol.Persistence.JobEvents.JobEnded("completed", $"test accuracy {(_history.Count > 0 ? _history[^1].TestAccuracy : 0):P2}{(finalMissing ? "; the final checkpoint was not saved" : "")}"), new JobCompleted(
                _history[^1].TestAccuracy,
                _history.Max(h => h.TestAccuracy),
                _history.Count,
                _trainExamples / _trainSeconds,
                _wall.Elapsed.TotalSeconds,
                _workers.Count,
                _shards.Count,
                _history.ToArray(),
                _stats.OrderBy(x => x.ShardId).ToArray(),
                _job.Settings.Mode,
                _maxParameterLag,
                _completed.Count,
                _completed.Count > 0 ? _completed[^1].Id : -1,
                _resumedFrom,
                _resume?.LostSteps ?? 0,
                finalMissing));
        }
    }

    private sealed record EvaluationDone(double Accuracy, string? Error);

    /// <summary>Sent to itself when a checkpoint resolves while finishing.</summary>
    private sealed record FinishIfDone;
}
