// End of an epoch: pull every shard, score the validation and test sets off the actor thread, report the epoch
// (EpochTally follows the best epoch on validation), then go on, stop early, or finish.
using Akka.Actor;
using Dtrain.Protocol;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.Coordinator;

internal sealed partial class CoordinatorActor
{
    private void BeginEvaluation(double trainSeconds)
    {
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
        Receive<RequestWork>(r => _workers.Wait(r.WorkerId));
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

        var epoch = _epoch!.Epoch;
        var program = _job.Model.Program;
        var phase = program.Written ? program.PhaseAt(_epoch.Epoch).Name : null;
        var report = _tally.Evaluated(_epoch, _evalTrainSeconds, _wall.Elapsed.TotalSeconds, done.Validation, done.Test, phase);
        Dtrain.Protocol.Telemetry.CoordinatorTelemetry.Evaluated(report.TestAccuracy);
        _listener.Tell(report);

        var stop = epoch < _job.Settings.Epochs && StopEarly(epoch);

        // The epoch-end checkpoint: the next epoch with nothing done yet. Shards snapshot and go on serving.
        TakeCheckpoint($"end of epoch {epoch}", epochEnd: true);
        if (epoch < _job.Settings.Epochs && !stop)
        {
            Become(Training);
            StartEpoch(epoch + 1);
            return;
        }

        BeginFinishing();
    }

    /// <summary>Early stopping after <paramref name="epoch"/>: true (and the user is told) when the tally says the monitor stopped improving.</summary>
    private bool StopEarly(int epoch)
    {
        if (!_tally.ShouldStopEarly(_job.Settings.EarlyStopping))
        {
            return false;
        }

        var (rule, best) = (_job.Settings.EarlyStopping!, _tally.Best!);
        _checkpoints.StoppedEarlyAfter(epoch);
        var c = System.Globalization.CultureInfo.InvariantCulture;
        Notice(string.Create(c, $"early stopping: {rule.Monitor} has not improved by more than {rule.MinDelta} for {best.EpochsWithoutImprovement} epoch(s) (best {best.Value:G6} at epoch {best.Epoch}); the job stops after epoch {epoch} of {_job.Settings.Epochs}"));
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
        if (_stats.Count < _shards.Count || _checkpoints.InFlight > 0)
        {
            return;
        }

        // Training ran to its end either way; what the user must hear is that its final parameters are not on disk.
        var history = _tally.History;
        var finalMissing = _job.Settings.Checkpoint && _checkpoints.FinalDue;
        var ended = $"{_tally.Headline()}{(_tally.StoppedEarly ? $"; stopped early after epoch {history[^1].Epoch}" : "")}{(finalMissing ? "; the final checkpoint was not saved" : "")}";
        EndWith(new Protocol.Persistence.JobEvents.JobEnded("completed", ended), new JobCompleted(
            history[^1].TestAccuracy,
            history.Max(h => h.TestAccuracy),
            history.Count,
            _tally.TrainExamples / _tally.TrainSeconds,
            _wall.Elapsed.TotalSeconds,
            _workers.Count,
            _shards.Count,
            history.ToArray(),
            _stats.OrderBy(x => x.ShardId).ToArray(),
            _job.Settings.Mode,
            _tally.MaxParameterLag,
            _checkpoints.CompleteCount,
            _checkpoints.LastCompleteId,
            _resumedFrom,
            _resume?.LostSteps ?? 0,
            finalMissing,
            Dtrain.Models.Data.LearningTasks.Name(_trainingSet.Task),
            _tally.Best?.Epoch ?? 0,
            _tally.Best is null ? "" : _job.Settings.BestMonitor,
            _checkpoints.BestId,
            _tally.StoppedEarly,
            PhaseSummaries.Of(_job.Model.Program, history)));
    }

    private sealed record EvaluationDone(EvaluationFigures? Validation, EvaluationFigures? Test, string? Error);

    /// <summary>Sent to itself when a checkpoint resolves while finishing.</summary>
    private sealed record FinishIfDone;
}
