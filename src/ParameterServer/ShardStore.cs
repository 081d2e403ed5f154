// What a parameter shard holds: its chunks' values, the optimizer and its state, the version, and the counters
// GetStats reports; loaded from InitShard, restored from and copied into a checkpoint. Plain C#, no actor system.
// How a push is admitted and applied lives in ShardStore.ApplyPush.cs.
using System.Diagnostics;
using Dtrain.Models;
using Dtrain.Models.Optimizers;
using Dtrain.Protocol;
using Dtrain.Protocol.Persistence;
using Dtrain.Protocol.Telemetry;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer;

/// <summary>
/// One shard's parameters and optimizer state, as ps-lite's <c>KVServer</c> handle owns its store: the shard actor
/// hands it every load, pull and push and sends what it returns. Holds nothing until <see cref="Load"/> or
/// <see cref="Restore"/> succeeds.
/// </summary>
internal sealed partial class ShardStore
{
    private readonly Dictionary<int, long> _lastSeq = [];
    private readonly PushAdmission _admission = new();
    private ChunkInfo[] _chunks = [];
    private (int Start, int Length, bool State)[] _runs = [];
    private float[] _values = [];
    private float[] _state0 = [];
    private float[] _state1 = [];
    private IOptimizer? _optimizer;
    private LearningRateSchedule _schedule = LearningRateSchedule.Constant;
    private double _baseRate = 1;
    private long _applied;
    private long _duplicates;
    private long _rejected;
    private long _pulls;
    private long _stalenessSum;
    private long _stalenessMax;
    private long _applyTicks;

    /// <summary>The shard's id; -1 until a load names it, so replies before it (as Params) do not claim to come from shard 0.</summary>
    public int ShardId { get; private set; } = -1;

    /// <summary>Updates applied since the values were loaded (restored with a checkpoint): the learning-rate schedule and Adam's bias correction read it.</summary>
    public long Version { get; private set; }

    /// <summary>The request id of the load whose values the store holds; a push must carry it (<see cref="Push.Generation"/>).</summary>
    public long Generation { get; private set; }

    /// <summary>True once a load succeeded and until <see cref="Unload"/>.</summary>
    public bool Loaded => _optimizer is not null;

    /// <summary>Floats the shard owns over all its chunks.</summary>
    public int Floats => _values.Length;

    /// <summary>Runs of consecutive chunks of one kind, in payload order: trainable runs take gradients, state runs take values.</summary>
    public ReadOnlySpan<(int Start, int Length, bool State)> Runs => _runs;

    /// <summary>The current parameters of every chunk, in chunk order.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>The shard's instruments and spans (named once a load names the shard).</summary>
    public ShardTelemetry Telemetry { get; } = new();

    /// <summary>
    /// Takes <paramref name="values"/> as the parameters of <paramref name="chunks"/> at version 0 with a fresh
    /// optimizer state, serving load <paramref name="generation"/>. Throws, changing nothing, when the values do not
    /// fill the chunks or the optimizer or its schedule is invalid.
    /// </summary>
    public void Load(int shardId, ChunkInfo[] chunks, OptimizerSpec spec, ReadOnlySpan<float> values, long generation)
    {
        var floats = ChunkPlacement.Floats(chunks);
        if (values.Length != floats)
        {
            throw new ArgumentException($"InitShard for shard {shardId} carries {values.Length} floats but its {chunks.Length} chunks hold {floats}");
        }

        var optimizer = Configure(shardId, chunks, spec);
        _values = values.ToArray();
        _state0 = optimizer.StateSlots > 0 ? new float[floats] : [];
        _state1 = optimizer.StateSlots > 1 ? new float[floats] : [];
        Version = 0;
        Generation = generation;
    }

    /// <summary>
    /// Takes values, optimizer state and version from the sealed snapshot <paramref name="bytes"/> (named
    /// <paramref name="name"/> in errors), serving load <paramref name="generation"/>. Throws a
    /// <see cref="DtrainException"/> when the snapshot is corrupt or made for another layout or optimizer; the store
    /// is then to be unloaded.
    /// </summary>
    public void Restore(int shardId, ChunkInfo[] chunks, OptimizerSpec spec, byte[] bytes, string name, long generation)
    {
        var snapshot = ShardSnapshot.Read(bytes, name);
        var floats = ChunkPlacement.Floats(chunks);
        var optimizer = Configure(shardId, chunks, spec);
        if (snapshot.Values.Length != floats || snapshot.Optimizer != optimizer.Name || (snapshot.State0.Length > 0 ? 1 : 0) + (snapshot.State1.Length > 0 ? 1 : 0) != optimizer.StateSlots)
        {
            throw new CorruptCheckpointException($"{name} holds {snapshot.Values.Length:N0} floats of optimizer {snapshot.Optimizer}, but the job places {floats:N0} floats with optimizer {optimizer.Name} on this shard");
        }

        (_values, _state0, _state1, Version) = (snapshot.Values, snapshot.State0, snapshot.State1, snapshot.Version);
        Generation = generation;
    }

    /// <summary>A load failed: the values held belong to a load the coordinator has given up on, so nothing is served.</summary>
    public void Unload() => _optimizer = null;

    /// <summary>
    /// Copies the state into the bytes of checkpoint <paramref name="checkpointId"/> (into <paramref name="reuse"/>
    /// when it has the right size), checksum not yet sealed (<see cref="ShardSnapshot.Seal"/>).
    /// </summary>
    public byte[] Snapshot(long checkpointId, byte[]? reuse = null) =>
        ShardSnapshot.Copy(ShardId, checkpointId, Version, (_optimizer ?? throw new InvalidOperationException("the shard has not been initialized")).Name, _values, _state0, _state1, reuse);

    /// <summary>Counts a pull and answers it: no values when the puller already holds this version.</summary>
    public Params Pull(Pull pull)
    {
        _pulls++;
        var values = pull.KnownVersion == Version ? null : FloatBuffer.CopyOf(_values);
        Telemetry.Pulled(pull.TraceParent, values?.Length ?? 0);
        return new Params(ShardId, pull.RequestId, Version, values);
    }

    /// <summary>Counts a pull a synchronous round holds back; <see cref="Answer"/> answers it once the round applied.</summary>
    public void PullHeld() => _pulls++;

    /// <summary>The current values for a pull held back until its round applied.</summary>
    public Params Answer(Pull pull) => new(ShardId, pull.RequestId, Version, FloatBuffer.CopyOf(_values));

    /// <summary>The counters; the synchronous round's are passed in (0 for an asynchronous shard).</summary>
    public ShardStats Stats(long lateDropped, long rounds) => new(
        ShardId,
        Version,
        _applied,
        _duplicates,
        _rejected,
        _pulls,
        _applied == 0 ? 0 : (double)_stalenessSum / _applied,
        _stalenessMax,
        (double)_applyTicks / Stopwatch.Frequency,
        lateDropped,
        rounds);

    /// <summary>
    /// What <see cref="Load"/> and <see cref="Restore"/> share: checks the optimizer and schedule, takes the chunks,
    /// clears counters and de-duplication. The caller fills in values, state and version.
    /// </summary>
    private IOptimizer Configure(int shardId, ChunkInfo[] chunks, OptimizerSpec spec)
    {
        var settings = spec.ToSettings();
        var optimizer = Optimizers.Create(settings);
        var schedule = settings.Schedule ?? LearningRateSchedule.Constant;
        if (schedule.FirstProblem(settings.EffectiveLearningRate) is { } problem)
        {
            throw new DtrainException(problem);
        }

        ShardId = shardId;
        Telemetry.Named(shardId);
        _chunks = chunks;
        _runs = ChunkPlacement.Runs(chunks).ToArray(); // an array: foreach over it per push allocates nothing
        _optimizer = optimizer;
        _schedule = schedule;
        _baseRate = settings.EffectiveLearningRate;
        _lastSeq.Clear();
        _admission.Reset();
        (_applied, _duplicates, _rejected, _pulls, _stalenessSum, _stalenessMax, _applyTicks) = (0, 0, 0, 0, 0, 0, 0);
        return optimizer;
    }
}
