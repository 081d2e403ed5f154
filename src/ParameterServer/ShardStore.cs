// What a parameter shard holds: its chunks' values, each parameter group's optimizer, state and update count, the
// version, and the counters GetStats reports; loaded from InitShard, restored from and copied into a checkpoint. Plain C#, no actor system.
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
    private (int Start, int Length, bool State, int Group)[] _runs = [];
    private float[] _values = [];
    private float[] _state0 = [];
    private float[] _state1 = [];
    private GroupOptimizer[]? _groups;
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
    public bool Loaded => _groups is not null;

    /// <summary>Updates applied to group <paramref name="group"/>: its schedule and Adam's bias correction read it (equal to <see cref="Version"/> without groups).</summary>
    public long GroupSteps(int group) => _groups![group].Steps;

    /// <summary>Floats the shard owns over all its chunks.</summary>
    public int Floats => _values.Length;

    /// <summary>Runs of consecutive chunks of one kind, in payload order: trainable runs take gradients, state runs take values.</summary>
    public ReadOnlySpan<(int Start, int Length, bool State, int Group)> Runs => _runs;

    /// <summary>The current parameters of every chunk, in chunk order.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>The shard's instruments and spans (named once a load names the shard).</summary>
    public ShardTelemetry Telemetry { get; } = new();

    /// <summary>
    /// Takes <paramref name="values"/> as the parameters of <paramref name="chunks"/> at version 0 with a fresh
    /// optimizer state, serving load <paramref name="generation"/>. Throws, changing nothing, when the values do not
    /// fill the chunks or the optimizer or its schedule is invalid.
    /// </summary>
    public void Load(int shardId, ChunkInfo[] chunks, OptimizerSpec spec, ReadOnlySpan<float> values, long generation, OptimizerSpec[]? groups = null)
    {
        var floats = ChunkPlacement.Floats(chunks);
        if (values.Length != floats)
        {
            throw new ArgumentException($"InitShard for shard {shardId} carries {values.Length} floats but its {chunks.Length} chunks hold {floats}");
        }

        var slots = Configure(shardId, chunks, spec, groups);
        _values = values.ToArray();
        _state0 = slots > 0 ? new float[floats] : [];
        _state1 = slots > 1 ? new float[floats] : [];
        Version = 0;
        Generation = generation;
    }

    /// <summary>
    /// Takes values, optimizer state and version from the sealed snapshot <paramref name="bytes"/> (named
    /// <paramref name="name"/> in errors), serving load <paramref name="generation"/>. Throws a
    /// <see cref="DtrainException"/> when the snapshot is corrupt or made for another layout or optimizer; the store
    /// is then to be unloaded.
    /// </summary>
    public void Restore(int shardId, ChunkInfo[] chunks, OptimizerSpec spec, byte[] bytes, string name, long generation, OptimizerSpec[]? groups = null)
    {
        var snapshot = ShardSnapshot.Read(bytes, name);
        var floats = ChunkPlacement.Floats(chunks);
        var slots = Configure(shardId, chunks, spec, groups);
        var optimizers = _groups!;
        var expected = OptimizerName();
        var stored = snapshot.Groups is { } g ? string.Join(",", g.Select(x => x.Optimizer)) : snapshot.Optimizer;
        if (snapshot.Values.Length != floats || stored != expected || (snapshot.State0.Length > 0 ? 1 : 0) + (snapshot.State1.Length > 0 ? 1 : 0) != slots
            || (snapshot.Groups?.Count ?? 1) != optimizers.Length)
        {
            throw new CorruptCheckpointException($"{name} holds {snapshot.Values.Length:N0} floats of optimizer {stored}, but the job places {floats:N0} floats with optimizer {expected} on this shard");
        }

        (_values, _state0, _state1, Version) = (snapshot.Values, snapshot.State0, snapshot.State1, snapshot.Version);
        for (var i = 0; i < optimizers.Length; i++)
        {
            // A snapshot from before groups holds one group, whose update count was the version.
            optimizers[i].Steps = snapshot.Groups is { } counted ? counted[i].Steps : snapshot.Version;
        }

        Generation = generation;
    }

    /// <summary>A load failed: the values held belong to a load the coordinator has given up on, so nothing is served.</summary>
    public void Unload() => _groups = null;

    /// <summary>
    /// Copies the state into the bytes of checkpoint <paramref name="checkpointId"/> (into <paramref name="reuse"/>
    /// when it has the right size), checksum not yet sealed (<see cref="ShardSnapshot.Seal"/>).
    /// </summary>
    public byte[] Snapshot(long checkpointId, byte[]? reuse = null)
    {
        var groups = _groups ?? throw new InvalidOperationException("the shard has not been initialized");

        // One group (every v1 model) keeps the snapshot exactly as before groups: its update count is the version.
        return groups.Length == 1
            ? ShardSnapshot.Copy(ShardId, checkpointId, Version, groups[0].Optimizer.Name, _values, _state0, _state1, reuse)
            : ShardSnapshot.Copy(ShardId, checkpointId, Version, "groups", _values, _state0, _state1, reuse, groups.Select(g => (g.Optimizer.Name, g.Steps)).ToArray());
    }

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
    /// What <see cref="Load"/> and <see cref="Restore"/> share: checks each group's optimizer and schedule, takes the
    /// chunks, clears counters and de-duplication; returns the optimizer state slots the shard keeps (the most any
    /// group needs). The caller fills in values, state and version.
    /// </summary>
    private int Configure(int shardId, ChunkInfo[] chunks, OptimizerSpec spec, OptimizerSpec[]? groups)
    {
        var specs = groups is { Length: > 0 } ? groups : [spec];
        var configured = new GroupOptimizer[specs.Length];
        for (var g = 0; g < specs.Length; g++)
        {
            var settings = specs[g].ToSettings();
            var optimizer = Optimizers.Create(settings);
            var schedule = settings.Schedule ?? LearningRateSchedule.Constant;
            if (schedule.FirstProblem(settings.EffectiveLearningRate) is { } problem)
            {
                throw new DtrainException(specs.Length == 1 ? problem : $"group {g}: {problem}");
            }

            configured[g] = new GroupOptimizer(optimizer, schedule, settings.EffectiveLearningRate, specs[g].Frozen);
        }

        if (chunks.FirstOrDefault(c => c.Group < 0 || c.Group >= specs.Length) is { } stray)
        {
            throw new ArgumentException($"chunk {stray.Index} of tensor {stray.Tensor} belongs to group {stray.Group}, but shard {shardId} was given {specs.Length} group optimizer(s)");
        }

        ShardId = shardId;
        Telemetry.Named(shardId);
        _chunks = chunks;
        _runs = ChunkPlacement.Runs(chunks).ToArray(); // an array: foreach over it per push allocates nothing
        _groups = configured;
        _lastSeq.Clear();
        _admission.Reset();
        (_applied, _duplicates, _rejected, _pulls, _stalenessSum, _stalenessMax, _applyTicks) = (0, 0, 0, 0, 0, 0, 0);
        return configured.Max(g => g.Optimizer.StateSlots);
    }

    /// <summary>The optimizer names as a snapshot records them: one name, or the groups' joined by commas.</summary>
    private string OptimizerName() => string.Join(",", _groups!.Select(g => g.Optimizer.Name));

    /// <summary>One parameter group's optimizer, schedule, base rate, frozen flag and update count.</summary>
    private sealed class GroupOptimizer(IOptimizer optimizer, LearningRateSchedule schedule, double baseRate, bool frozen)
    {
        public IOptimizer Optimizer { get; } = optimizer;

        public LearningRateSchedule Schedule { get; } = schedule;

        public double BaseRate { get; } = baseRate;

        public bool Frozen { get; } = frozen;

        /// <summary>Updates applied to the group (the schedule's step and Adam's bias correction).</summary>
        public long Steps { get; set; }
    }
}
