// How a shard applies a push: check it (size, load generation, admission, duplicate), then one optimizer update
// over the trainable runs while state runs take the pushed values; the version moves on by one per update.
using System.Diagnostics;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer;

/// <summary>What the store makes of a push before anything is applied.</summary>
internal abstract record PushVerdict
{
    private PushVerdict()
    {
    }

    /// <summary>New: apply it now (asynchronous) or add it to the round (synchronous). Its seq is recorded.</summary>
    public sealed record Fresh : PushVerdict
    {
        /// <summary>The one instance.</summary>
        public static readonly Fresh Instance = new();
    }

    /// <summary>Refused, nothing applied; <paramref name="Rejection"/> is the reply.</summary>
    public sealed record Refused(PushRejected Rejection) : PushVerdict;

    /// <summary>A retry of an applied push (or an older one): acknowledged with <paramref name="Ack"/>, not applied.</summary>
    public sealed record Duplicate(PushAck Ack) : PushVerdict;
}

internal sealed partial class ShardStore
{
    /// <summary>Lets pushes from <paramref name="workerIds"/> in (added to those admitted before).</summary>
    public void AdmitWorkers(IEnumerable<int> workerIds) => _admission.Admit(workerIds);

    /// <summary>
    /// Checks <paramref name="push"/>: refused when it has the wrong size, was computed against an earlier load, or
    /// <see cref="PushAdmission"/> refuses it; a duplicate when its (worker, seq) was already taken; otherwise fresh,
    /// and its seq now counts as taken, so each (worker, seq) is applied at most once.
    /// </summary>
    public PushVerdict Admit(Push push)
    {
        if (push.Gradient.Length != _values.Length)
        {
            return Refuse(push, $"push from worker {push.WorkerId} seq {push.Seq} carries {push.Gradient.Length} floats, but shard {ShardId} owns {_values.Length} floats in {_chunks.Length} chunks; nothing applied");
        }

        if (push.Generation != Generation)
        {
            return Refuse(push, $"push {push.Seq} of worker {push.WorkerId} was computed against shard {ShardId} as it was before its last initialization or restore; nothing applied");
        }

        var known = _lastSeq.TryGetValue(push.WorkerId, out var last);
        if (_admission.Refusal(push.WorkerId, push.Seq, known ? last : null, push.Gradient.Span) is { } refusal)
        {
            return Refuse(push, $"shard {ShardId}: {refusal}");
        }

        if (known && push.Seq <= last)
        {
            _duplicates++;
            Telemetry.PushDuplicate();
            return new PushVerdict.Duplicate(new PushAck(ShardId, push.WorkerId, push.Seq, Version, false));
        }

        _lastSeq[push.WorkerId] = push.Seq;
        return PushVerdict.Fresh.Instance;
    }

    /// <summary>Counts a refused push and words the reply; the store is unchanged.</summary>
    public PushRejected Reject(Push push, string reason)
    {
        _rejected++;
        Telemetry.PushRejected();
        return new PushRejected(ShardId, push.WorkerId, push.Seq, reason);
    }

    /// <summary>
    /// Asynchronous (Downpour) mode: applies a fresh push as it comes, whatever version it was computed from; its
    /// staleness is how many updates landed since.
    /// </summary>
    public PushAck Apply(Push push)
    {
        ApplyUpdate(push.Gradient.Span, Math.Max(0, Version - push.BaseVersion), pushes: 1, push.GroupMask);
        return new PushAck(ShardId, push.WorkerId, push.Seq, Version, true);
    }

    /// <summary>
    /// One optimizer update with <paramref name="gradient"/> (values for state runs), standing for
    /// <paramref name="pushes"/> pushes (a synchronous round's mean stands for all of its); the version moves on by one.
    /// Only the groups in <paramref name="groupMask"/> (0: every group) change, each with its own optimizer at its own
    /// update count; frozen groups never change.
    /// </summary>
    public void ApplyUpdate(ReadOnlySpan<float> gradient, long staleness, int pushes, ulong groupMask = 0)
    {
        var started = Stopwatch.GetTimestamp();
        var groups = _groups!;
        foreach (var (start, length, state, g) in _runs)
        {
            var group = groups[g];
            if (group.Frozen || !Models.Graph.TrainingProgram.Updates(groupMask, g))
            {
                continue;
            }

            if (state)
            {
                // Model state (running statistics) arrives as values, not gradients.
                gradient.Slice(start, length).CopyTo(_values.AsSpan(start, length));
            }
            else
            {
                // The schedule is a function of the group's update count: Steps updates came before this one.
                var learningRateScale = (float)(group.Schedule.LearningRate(group.BaseRate, group.Steps) / group.BaseRate);
                group.Optimizer.Apply(
                    _values.AsSpan(start, length),
                    gradient.Slice(start, length),
                    _state0.Length > 0 ? _state0.AsSpan(start, length) : default,
                    _state1.Length > 0 ? _state1.AsSpan(start, length) : default,
                    group.Steps + 1,
                    learningRateScale);
            }
        }

        for (var g = 0; g < groups.Length; g++)
        {
            if (!groups[g].Frozen && Models.Graph.TrainingProgram.Updates(groupMask, g))
            {
                groups[g].Steps++;
            }
        }

        _applyTicks += Stopwatch.GetTimestamp() - started;
        _stalenessSum += staleness;
        _stalenessMax = Math.Max(_stalenessMax, staleness);
        Telemetry.PushApplied(started, staleness);
        Version++;
        _applied += pushes;
    }

    private PushVerdict.Refused Refuse(Push push, string reason) => new(Reject(push, reason));
}
