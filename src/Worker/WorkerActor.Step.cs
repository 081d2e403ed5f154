// The worker's step loop, in order: the next-step decision (PartitionProgress), the pull (PullSchedule,
// StalenessTracker), the compute half on the replica, and the push (PushPipeline) with its acknowledgements.
using System.Diagnostics;
using Akka.Actor;
using Dtrain.Models;
using Dtrain.Protocol;
using Dtrain.Protocol.Telemetry;
using static Dtrain.Protocol.ParameterShardProtocol;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Worker;

internal sealed partial class WorkerActor
{
    private void Start(AssignPartition partition)
    {
        _progress = new PartitionProgress(partition);
        TakePartInRounds(true);
        Become(Training);
        Advance();
    }

    /// <summary>The step loop: each call does one thing and sends itself Continue, so acks interleave.</summary>
    private void Advance()
    {
        if (_progress is not { } progress)
        {
            return; // a Continue from a partition given up when the job resumed
        }

        switch (progress.Next(_pulls!.Pending, _pushes!.MostInFlight, _pulls.Due || !_staleness!.MayStart))
        {
            case NextStep.Pull:
                RequestParameters();
                break;
            case NextStep.Compute:
                ComputeStep();
                Self.Tell(Continue.Instance);
                break;
            case NextStep.Finish:
                _progress = null;
                Become(Idle);
                TakePartInRounds(false);
                _job!.Coordinator.Tell(progress.Report(_job.WorkerId));
                break;
        }

        // NextStep.Wait: OnParams or OnPushAck calls Advance again.
    }

    private void RequestParameters()
    {
        var job = _job!;
        var requestId = _pulls!.Start();
        var traceParent = _telemetry.PullStarted();
        for (var s = 0; s < job.Shards.Length; s++)
        {
            job.Shards[s].Shard.Tell(new Pull(requestId, _staleness!.InUse(s), traceParent));
        }
    }

    private void OnParams(Params p)
    {
        try
        {
            var route = RouteOf(p.ShardId);
            if (!_pulls!.IsCurrent(p.RequestId) || route < 0)
            {
                return; // An answer to an older request: its values are out of date.
            }

            if (p.Values is { } values && !TryScatter(values, route))
            {
                return;
            }

            _staleness!.Pulled(route, p.Version);
            _telemetry.ParamsReceived(p.Values?.Length ?? 0);
            if (_pulls.Answered())
            {
                _telemetry.PullFinished();
                ComputeStep();
                Self.Tell(Continue.Instance);
            }
        }
        finally
        {
            p.Values?.Release();
        }
    }

    private bool TryScatter(FloatBuffer values, int route)
    {
        try
        {
            _replica!.Scatter(values.Span, _job!.Shards[route].Chunks);
            return true;
        }
        catch (DtrainException e)
        {
            Fail(e.Message);
            return false;
        }
    }

    /// <summary>
    /// One step: the batch, forward, backward, and the push (each shard's part staged as backward finishes it when
    /// overlapping; after backward and clipping otherwise), with the loss checked before any gradient leaves.
    /// </summary>
    private void ComputeStep()
    {
        var (job, progress, replica, pushes) = (_job!, _progress!, _replica!, _pushes!);
        var batch = progress.NextBatch(job.Batch);
        var started = Stopwatch.GetTimestamp();
        var plan = pushes.PlanStep(progress.Ends(batch));
        progress.Starting(_staleness!.Lag);

        // sync: the round the step computes from decides the sub-step, so every worker of a round pushes the same groups.
        var step = _program!.Next(progress.Partition.Epoch, _staleness.InUse(0));
        _groupMask = step.GroupMask;
        try
        {
            replica.LoadBatch(progress.Partition, progress.Position, batch);
            using (_telemetry.Phase(MetricNames.Spans.Forward))
            {
                replica.Forward(step.Losses);
            }

            if (plan.Push == StepPush.DuringBackward)
            {
                pushes.Begin();
            }

            using (_telemetry.Phase(MetricNames.Spans.Backward))
            {
                replica.Backward(plan.Accumulate, plan.Push == StepPush.DuringBackward ? pushes.Readiness : null);
            }

            if (plan.Push == StepPush.AfterBackward)
            {
                pushes.Begin();
                replica.ClipGradients(job.ClipNorm, _groupMask);
                for (var s = 0; s < job.Shards.Length; s++)
                {
                    StagePush(s);
                }
            }

            if (plan.Push == StepPush.None)
            {
                replica.Synchronize();
                TakeLoss();
            }
            else
            {
                SendLanded(wait: true);
                pushes.Finish();
            }

            _telemetry.Computed(batch, started);
        }
        catch (Exception e) when (e is DtrainException or ArgumentException or InvalidOperationException)
        {
            // The step cannot be retried with the same data: report it so the job fails with the reason.
            pushes.Abandon();
            Fail(e.Message);
            return;
        }

        progress.Stepped(batch, Stopwatch.GetTimestamp() - started);
        _pulls!.Stepped();
        _telemetry.StepFinished();
    }

    /// <summary>Stages route <paramref name="route"/>'s part of the push, then sends what has landed: called by backward as each part is final.</summary>
    private void StagePush(int route)
    {
        _pushes!.Stage(route, _replica!);
        SendLanded(wait: false);
    }

    /// <summary>Sends staged parts in order: those that have landed, or with <paramref name="wait"/> all of them.</summary>
    private void SendLanded(bool wait)
    {
        var job = _job!;
        while (_pushes!.HeadLanded(wait))
        {
            // The fence just passed is behind the loss's copy too: a loss that is not finite fails before anything leaves.
            TakeLoss();
            var push = _pushes.Send();
            var route = job.Shards[push.Route];
            route.Shard.Tell(new Push(job.WorkerId, push.Seq, _staleness!.InUse(push.Route), push.Payload, push.TraceParent, route.Generation, _groupMask));
        }
    }

    private void TakeLoss()
    {
        if (_replica!.TakeLoss() is { } loss)
        {
            _progress!.AddLoss(loss);
        }
    }

    private void OnPushAck(PushAck ack)
    {
        var route = RouteOf(ack.ShardId);
        if (_pushes!.Acknowledged(route, ack.Seq))
        {
            _staleness!.HeardOf(route, ack.Version);
            Advance();
        }
    }

    /// <summary>sync: a worker takes part in rounds while it holds a partition, so shards never wait for an idle one.</summary>
    private void TakePartInRounds(bool active)
    {
        var job = _job!;
        if (job.Mode != Models.Graph.TrainingMode.Sync)
        {
            return;
        }

        foreach (var route in job.Shards)
        {
            route.Shard.Tell(new SyncMembership(job.WorkerId, active));
        }
    }
}
