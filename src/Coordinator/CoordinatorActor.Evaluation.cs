// End of an epoch: pull every shard, score the validation and test sets off the actor thread, follow the best
// epoch on validation, report, then go on, stop early, or finish.
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
    private readonly Dtrain.Models.Data.ExampleSource? _validationSet;

    /// <summary>The best epoch on the validation figure "best" is chosen on; null without a validation set.</summary>
    private readonly Dtrain.Models.Metrics.BestEpoch? _best;

    /// <summary>Whether the epoch just evaluated is the best so far: its end-of-epoch checkpoint is the best one.</summary>
    private bool _evaluatedIsBest;
    private bool _stoppedEarly;

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
                var (evaluator, validation) = (_evaluator, _validationSet);
                // Failures travel inside the result: Status.Failure would not survive serialize-messages.
                Task.Run(() =>
                {
                    try
                    {
                        var validationFigures = validation is null ? null : EvaluationFigures.From(evaluator.Score(validation));
                        return new EvaluationDone(validationFigures, evaluator.Test() is { } test ? EvaluationFigures.From(test) : null, null);
                    }
                    catch (Exception e) when (e is Dtrain.Models.DtrainException or ArgumentException or InvalidOperationException)
                    {
                        return new EvaluationDone(null, null, e.Message);
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
            Fail($"evaluation failed: {done.Error}");
            return;
        }

        var examples = _epoch!.Partitions.Sum(p => p.Length);
        var testAccuracy = done.Test?.Accuracy ?? 0;
        var report = new EpochCompleted(
            _evalEpoch,
            _epochLoss / examples,
            testAccuracy,
            (examples - _epochSkippedExamples) / _evalTrainSeconds,
            _evalTrainSeconds,
            _wall.Elapsed.TotalSeconds,
            _totalSteps,
            _epoch.DoneCount,
            _epoch.Partitions.Length,
            done.Validation,
            done.Test);
        _evaluatedIsBest = ObserveBest(report);
        report = report with { BestSoFar = _evaluatedIsBest };
        _history.Add(report);
        Dtrain.Protocol.Telemetry.CoordinatorTelemetry.Evaluated(testAccuracy);
        _listener.Tell(report);

        var stop = _evalEpoch < _job.Settings.Epochs && ShouldStopEarly();

        // The epoch-end checkpoint: the next epoch with nothing done yet. Shards snapshot and go on serving.
        TakeCheckpoint($"end of epoch {_evalEpoch}", epochEnd: true);
        if (_evalEpoch < _job.Settings.Epochs && !stop)
        {
            Become(Training);
            StartEpoch(_evalEpoch + 1);
            return;
        }

        BeginFinishing();
    }

    /// <summary>Follows the best epoch on validation; true when <paramref name="epoch"/> is the new best.</summary>
    private bool ObserveBest(EpochCompleted epoch) =>
        _best is not null && epoch.Validation?.Figure(_best.Figure) is { } value && _best.Observe(epoch.Epoch, value);

    /// <summary>
    /// Early stopping: true (and the user is told) once the monitor has gone <c>patience</c> epochs without improving.
    /// Checked before the epoch-end checkpoint, so that checkpoint is the job's final one.
    /// </summary>
    private bool ShouldStopEarly()
    {
        if (_job.Settings.EarlyStopping is not { } rule || _best is null || _best.EpochsWithoutImprovement < rule.Patience)
        {
            return false;
        }

        _stoppedEarly = true;
        var c = System.Globalization.CultureInfo.InvariantCulture;
        Notice(string.Create(c, $"early stopping: {rule.Monitor} has not improved by more than {rule.MinDelta} for {_best.EpochsWithoutImprovement} epoch(s) (best {_best.Value:G6} at epoch {_best.Epoch}); the job stops after epoch {_evalEpoch} of {_job.Settings.Epochs}"));
        return true;
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
            EndWith(new Protocol.Persistence.JobEvents.JobEnded("completed", $"{Headline()}{(_stoppedEarly ? $"; stopped early after epoch {_history[^1].Epoch}" : "")}{(finalMissing ? "; the final checkpoint was not saved" : "")}"), new JobCompleted(
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
                finalMissing,
                Dtrain.Models.Data.LearningTasks.Name(_trainingSet.Task),
                _best?.Epoch ?? 0,
                _best is null ? "" : _job.Settings.BestMonitor,
                _bestCheckpoint,
                _stoppedEarly));
        }
    }

    /// <summary>The last epoch's headline figure for the journal: test accuracy, RMSE or MSE by task (validation's without a test set).</summary>
    private string Headline()
    {
        var last = _history.Count > 0 ? _history[^1] : null;
        var (set, figures) = last?.Test is { } test ? ("test", test) : last?.Validation is { } validation ? ("validation", validation) : ("test", null);
        var c = System.Globalization.CultureInfo.InvariantCulture;
        return figures switch
        {
            { Accuracy: { } a } => string.Create(c, $"{set} accuracy {a:P2}"),
            { Rmse: { } r } => string.Create(c, $"{set} RMSE {r:G4}"),
            { Mse: { } m } => string.Create(c, $"{set} MSE {m:G4}"),
            _ => string.Create(c, $"test accuracy {last?.TestAccuracy ?? 0:P2}"),
        };
    }

    private sealed record EvaluationDone(EvaluationFigures? Validation, EvaluationFigures? Test, string? Error);

    /// <summary>Sent to itself when a checkpoint resolves while finishing.</summary>
    private sealed record FinishIfDone;
}
