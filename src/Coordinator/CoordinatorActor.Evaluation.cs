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
            examples / _evalTrainSeconds,
            _evalTrainSeconds,
            _wall.Elapsed.TotalSeconds,
            _totalSteps,
            _epoch.DoneCount,
            _epoch.Partitions.Length);
        _history.Add(report);
        Dtrain.Protocol.Telemetry.CoordinatorTelemetry.Evaluated(done.Accuracy);
        _listener.Tell(report);
        if (_evalEpoch < _job.Settings.Epochs)
        {
            Become(Training);
            StartEpoch(_evalEpoch + 1);
            return;
        }

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
            if (_stats.Count < _shards.Count)
            {
                return;
            }

            _listener.Tell(new JobCompleted(
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
                _maxParameterLag));
            Become(() => ReceiveAny(_ => { }));
        });
        Receive<RequestWork>(_ => { });
        Receive<Terminated>(_ => { });
        Membership();
    }

    private sealed record EvaluationDone(double Accuracy, string? Error);
}
