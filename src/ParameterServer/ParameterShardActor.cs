// The shard actor: behaviours Initializing and Serving; applies each (worker, seq) push at most once.
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Dtrain.Models.Optimizers;
using Dtrain.Protocol;
using Dtrain.Protocol.Telemetry;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer;

internal sealed partial class ParameterShardActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<int, long> _lastSeq = [];
    private readonly PushAdmission _admission = new();
    private readonly ShardTelemetry _telemetry = new();
    // -1 until InitShard names the shard, so replies before it (as Params) do not claim to come from shard 0.
    private int _shardId = -1;
    private ChunkInfo[] _chunks = [];
    private (int Start, int Length, bool State)[] _runs = [];
    private float[] _values = [];
    private float[] _state0 = [];
    private float[] _state1 = [];
    private IOptimizer? _optimizer;
    private LearningRateSchedule _schedule = LearningRateSchedule.Constant;
    private double _baseRate = 1;
    private long _version;
    private long _applied;
    private long _duplicates;
    private long _rejected;
    private long _pulls;
    private long _stalenessSum;
    private long _stalenessMax;
    private long _applyTicks;

    public ParameterShardActor() => Initializing();

    protected override void PreStart()
    {
        ShardTelemetry.Started();
        WarmSnapshotStore();
    }

    protected override void PostStop() => ShardTelemetry.Stopped();

    private void Initializing()
    {
        Receive<InitShard>(Init);
        Checkpoints();
        Receive<Pull>(p => Sender.Tell(new Params(-1, p.RequestId, -1, null)));
        Receive<Push>(p =>
        {
            Reject(p, "the shard has not been initialized with its chunks yet");
        });
    }

    private void Serving()
    {
        Receive<InitShard>(Init);
        Checkpoints();
        Receive<Pull>(OnPull);
        Receive<Push>(OnPush);
        Receive<GetStats>(_ => Sender.Tell(Stats()));
        Receive<SyncMembership>(OnMembership);
        Receive<AdmitWorkers>(a => _admission.Admit(a.WorkerIds));
    }

    private void Init(InitShard init)
    {
        if (IsRepeatedLoad(init.RequestId))
        {
            init.Values.Release();
            return;
        }

        BeginLoad(init.RequestId);
        try
        {
            var floats = ChunkPlacement.Floats(init.Chunks);
            if (init.Values.Length != floats)
            {
                throw new ArgumentException($"InitShard for shard {init.ShardId} carries {init.Values.Length} floats but its {init.Chunks.Length} chunks hold {floats}");
            }

            var optimizer = Start(init.ShardId, init.Chunks, init.Optimizer, init.SyncQuorum);
            _values = init.Values.Span.ToArray();
            _state0 = optimizer.StateSlots > 0 ? new float[floats] : [];
            _state1 = optimizer.StateSlots > 1 ? new float[floats] : [];
            _version = 0;
            Loaded(new ShardReady(_shardId, floats, init.RequestId));
        }
        catch (Exception e) when (e is ArgumentException or Dtrain.Models.DtrainException)
        {
            _log.Error("shard {0}: {1}", init.ShardId, e.Message);
            // Not Status.Failure: an exception does not survive serialization, so the coordinator would wait forever.
            Loaded(new InitShardRejected(init.ShardId, e.Message, init.RequestId));
        }
        finally
        {
            init.Values.Release();
        }
    }

    /// <summary>
    /// What <see cref="InitShard"/> and <see cref="RestoreShard"/> share: checks the optimizer and schedule, takes the
    /// chunks, clears counters and deduplication. The caller fills in values, state and version.
    /// </summary>
    private IOptimizer Start(int shardId, ChunkInfo[] chunks, OptimizerSpec spec, int syncQuorum)
    {
        var settings = spec.ToSettings();
        var optimizer = Optimizers.Create(settings);
        var schedule = settings.Schedule ?? LearningRateSchedule.Constant;
        if (schedule.FirstProblem(settings.EffectiveLearningRate) is { } problem)
        {
            throw new Dtrain.Models.DtrainException(problem);
        }

        _shardId = shardId;
        _telemetry.Named(_shardId);
        _chunks = chunks;
        _runs = ChunkPlacement.Runs(chunks).ToArray(); // an array: foreach over it per push allocates nothing
        _optimizer = optimizer;
        _schedule = schedule;
        _baseRate = settings.EffectiveLearningRate;
        _lastSeq.Clear();
        _admission.Reset();
        StartRounds(syncQuorum, ChunkPlacement.Floats(chunks));
        (_applied, _duplicates, _rejected, _pulls, _stalenessSum, _stalenessMax, _applyTicks) = (0, 0, 0, 0, 0, 0, 0);
        return optimizer;
    }

    private void OnPull(Pull pull)
    {
        _pulls++;
        if (DeferUntilRoundApplied(pull))
        {
            return;
        }

        var values = pull.KnownVersion == _version ? null : FloatBuffer.CopyOf(_values);
        _telemetry.Pulled(pull.TraceParent, values?.Length ?? 0);
        Sender.Tell(new Params(_shardId, pull.RequestId, _version, values));
    }

    private void OnPush(Push push)
    {
        using var span = _telemetry.PushArrived(push.TraceParent, push.Gradient.Length);
        try
        {
            if (push.Gradient.Length != _values.Length)
            {
                Reject(push, $"push from worker {push.WorkerId} seq {push.Seq} carries {push.Gradient.Length} floats, but shard {_shardId} owns {_values.Length} floats in {_chunks.Length} chunks; nothing applied");
                return;
            }

            if (push.Generation != _generation)
            {
                Reject(push, $"push {push.Seq} of worker {push.WorkerId} was computed against shard {_shardId} as it was before its last initialization or restore; nothing applied");
                return;
            }

            var known = _lastSeq.TryGetValue(push.WorkerId, out var last);
            if (_admission.Refusal(push.WorkerId, push.Seq, known ? last : null, push.Gradient.Span) is { } refusal)
            {
                Reject(push, $"shard {_shardId}: {refusal}");
                return;
            }

            if (known && push.Seq <= last)
            {
                // A retry of a push already applied (or an older one): acknowledge it, apply nothing.
                _duplicates++;
                _telemetry.PushDuplicate();
                Sender.Tell(new PushAck(_shardId, push.WorkerId, push.Seq, _version, false));
                return;
            }

            if (_quorum > 0)
            {
                Contribute(push);
                return;
            }

            ApplyUpdate(push.Gradient.Span, Math.Max(0, _version - push.BaseVersion));
            _applied++;
            _lastSeq[push.WorkerId] = push.Seq;
            Sender.Tell(new PushAck(_shardId, push.WorkerId, push.Seq, _version, true));
        }
        finally
        {
            push.Gradient.Release();
        }
    }

    /// <summary>One optimizer update with <paramref name="gradient"/> (values for state runs); the version moves on by one.</summary>
    private void ApplyUpdate(ReadOnlySpan<float> gradient, long staleness)
    {
        var started = Stopwatch.GetTimestamp();

        // The schedule is a function of this shard's update count: _version updates came before this one.
        var learningRateScale = (float)(_schedule.LearningRate(_baseRate, _version) / _baseRate);
        foreach (var (start, length, state) in _runs)
        {
            if (state)
            {
                // Model state (running statistics) arrives as values, not gradients.
                gradient.Slice(start, length).CopyTo(_values.AsSpan(start, length));
            }
            else
            {
                _optimizer!.Apply(
                    _values.AsSpan(start, length),
                    gradient.Slice(start, length),
                    _state0.Length > 0 ? _state0.AsSpan(start, length) : default,
                    _state1.Length > 0 ? _state1.AsSpan(start, length) : default,
                    _version + 1,
                    learningRateScale);
            }
        }

        _applyTicks += Stopwatch.GetTimestamp() - started;
        _stalenessSum += staleness;
        _stalenessMax = Math.Max(_stalenessMax, staleness);
        _telemetry.PushApplied(started, staleness);
        _version++;
    }

    private void Reject(Push push, string reason)
    {
        _rejected++;
        _telemetry.PushRejected();
        _log.Warning("shard {0}: {1}", _shardId, reason);
        Sender.Tell(new PushRejected(_shardId, push.WorkerId, push.Seq, reason));
        push.Gradient.Release();
    }

    private ShardStats Stats() => new(
        _shardId,
        _version,
        _applied,
        _duplicates,
        _rejected,
        _pulls,
        _applied == 0 ? 0 : (double)_stalenessSum / _applied,
        _stalenessMax,
        (double)_applyTicks / Stopwatch.Frequency,
        _lateDropped,
        _rounds);
}
