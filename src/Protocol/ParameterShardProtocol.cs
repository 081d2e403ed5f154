// Messages of a parameter-server shard: initialize, pull parameters, push gradients, report statistics.
using Dtrain.Models.Optimizers;
using MessagePack;

namespace Dtrain.Protocol;

/// <summary>The messages a parameter shard accepts and answers with.</summary>
public static class ParameterShardProtocol
{
    /// <summary>Anything a shard accepts.</summary>
    public interface ICommand : IWireMessage;

    /// <summary>
    /// Optimizer choice as it travels (mirrors <see cref="Dtrain.Models.Optimizers.OptimizerSettings"/>; null
    /// hyperparameters take the type's defaults). Keys 9 to 14 carry the learning-rate schedule, flattened:
    /// <see cref="Schedule"/> is the kind's name, or null for a constant rate. <see cref="Frozen"/> marks a parameter
    /// group the shard never updates.
    /// </summary>
    [MessagePackObject]
    public sealed record OptimizerSpec(
        [property: Key(0)] string Type,
        [property: Key(1)] float? LearningRate,
        [property: Key(2)] float? Momentum,
        [property: Key(3)] float? Beta1,
        [property: Key(4)] float? Beta2,
        [property: Key(5)] float? Epsilon,
        [property: Key(6)] float? WeightDecay,
        [property: Key(7)] float? Alpha = null,
        [property: Key(8)] float? Rho = null,
        [property: Key(9)] string? Schedule = null,
        [property: Key(10)] int Warmup = 0,
        [property: Key(11)] float? Gamma = null,
        [property: Key(12)] int StepSize = 0,
        [property: Key(13)] long Steps = 0,
        [property: Key(14)] float MinLearningRate = 0f,
        [property: Key(15)] bool Frozen = false)
    {
        /// <summary>From the model library's settings.</summary>
        public static OptimizerSpec From(OptimizerSettings s)
        {
            var spec = new OptimizerSpec(s.Type, s.LearningRate, s.Momentum, s.Beta1, s.Beta2, s.Epsilon, s.WeightDecay, s.Alpha, s.Rho);
            return s.Schedule is not { } schedule
                ? spec
                : spec with
                {
                    Schedule = LearningRateSchedule.KindNames[(int)schedule.Kind],
                    Warmup = schedule.Warmup,
                    Gamma = schedule.Gamma,
                    StepSize = schedule.StepSize,
                    Steps = schedule.Steps,
                    MinLearningRate = schedule.MinLearningRate,
                };
        }

        /// <summary>To the model library's settings; an unknown schedule name is an error naming it.</summary>
        public OptimizerSettings ToSettings()
        {
            LearningRateSchedule? schedule = null;
            if (Schedule is { } name)
            {
                var kind = LearningRateSchedule.ParseKind(name) ?? throw new Dtrain.Models.DtrainException($"unknown learning-rate schedule '{name}'");
                schedule = new LearningRateSchedule(kind, Warmup, Gamma, StepSize, Steps, MinLearningRate);
            }

            return new(Type, LearningRate, Momentum, Beta1, Beta2, Epsilon, WeightDecay, Alpha, Rho, schedule);
        }
    }

    /// <summary>
    /// Gives the shard its chunks, their initial values (concatenated in chunk order) and the optimizer.
    /// <see cref="Groups"/> is the optimizer of each parameter group (<see cref="ChunkInfo.Group"/>), null in a model
    /// without groups, whose one group takes <see cref="Optimizer"/>.
    /// <see cref="RequestId"/> names this load: the replies echo it, a resent copy is answered again without loading
    /// twice, and the workers' pushes carry it (<see cref="Push.Generation"/>) so a push computed against the values
    /// of an earlier load is refused. 0 (tests) makes every request new.
    /// </summary>
    [MessagePackObject]
    public sealed record InitShard(
        [property: Key(0)] int ShardId,
        [property: Key(1)] ChunkInfo[] Chunks,
        [property: Key(2)] FloatBuffer Values,
        [property: Key(3)] OptimizerSpec Optimizer,
        [property: Key(4)] int SyncQuorum = 0,
        [property: Key(5)] long RequestId = 0,
        [property: Key(6)] OptimizerSpec[]? Groups = null) : ICommand;

    /// <summary>Reply to <see cref="InitShard"/> and <see cref="RestoreShard"/>, naming the request it answers.</summary>
    [MessagePackObject]
    public sealed record ShardReady([property: Key(0)] int ShardId, [property: Key(1)] int Floats, [property: Key(2)] long RequestId = 0) : IWireMessage;

    /// <summary>
    /// Reply to an <see cref="InitShard"/> the shard could not accept (values that do not fill its chunks, a bad
    /// optimizer). A wire message rather than <c>Status.Failure</c> so the reason survives serialization.
    /// </summary>
    [MessagePackObject]
    public sealed record InitShardRejected([property: Key(0)] int ShardId, [property: Key(1)] string Reason, [property: Key(2)] long RequestId = 0) : IWireMessage;

    /// <summary>
    /// Asks for the shard's parameters; <see cref="KnownVersion"/> lets the shard skip an unchanged copy.
    /// <see cref="TraceParent"/> is the W3C traceparent of the worker's pull span (null when the step is not traced).
    /// </summary>
    [MessagePackObject]
    public sealed record Pull([property: Key(0)] long RequestId, [property: Key(1)] long KnownVersion, [property: Key(2)] string? TraceParent = null) : ICommand;

    /// <summary>Reply to <see cref="Pull"/>: every chunk of the shard in chunk order, or null when unchanged.</summary>
    [MessagePackObject]
    public sealed record Params(
        [property: Key(0)] int ShardId,
        [property: Key(1)] long RequestId,
        [property: Key(2)] long Version,
        [property: Key(3)] FloatBuffer? Values) : IWireMessage;

    /// <summary>
    /// Synchronous mode: worker <paramref name="WorkerId"/> starts (Active) or stops (not Active: idle, gone) taking
    /// part in rounds. A round needs the first min(N, active workers) pushes, so idle or dead workers never hold it up.
    /// Workers send it when they start and finish a partition; the coordinator when a worker dies.
    /// </summary>
    [MessagePackObject]
    public sealed record SyncMembership([property: Key(0)] int WorkerId, [property: Key(1)] bool Active) : ICommand;

    /// <summary>
    /// Gradients for every chunk of the shard, concatenated in chunk order. (WorkerId, Seq) identifies the
    /// push so a retry is applied once; BaseVersion is the shard version the gradient was computed from.
    /// TraceParent is the W3C traceparent of the worker's push span, so the apply joins the step's trace.
    /// Generation is the request id of the load (<see cref="InitShard"/> or <see cref="RestoreShard"/>) whose values
    /// the gradient was computed from: after a restore, a push from before it is refused rather than applied.
    /// GroupMask names the parameter groups the push updates, a bit per group (a training program's sub-step); the
    /// shard applies only those groups' chunks. 0, as in a push from before groups, updates every group.
    /// </summary>
    [MessagePackObject]
    public sealed record Push(
        [property: Key(0)] int WorkerId,
        [property: Key(1)] long Seq,
        [property: Key(2)] long BaseVersion,
        [property: Key(3)] FloatBuffer Gradient,
        [property: Key(4)] string? TraceParent = null,
        [property: Key(5)] long Generation = 0,
        [property: Key(6)] ulong GroupMask = 0) : ICommand;

    /// <summary>Reply to <see cref="Push"/>; <see cref="Applied"/> is false for a duplicate of an applied push.</summary>
    [MessagePackObject]
    public sealed record PushAck(
        [property: Key(0)] int ShardId,
        [property: Key(1)] int WorkerId,
        [property: Key(2)] long Seq,
        [property: Key(3)] long Version,
        [property: Key(4)] bool Applied) : IWireMessage;

    /// <summary>Reply to a push the shard refused (nothing applied), with the reason.</summary>
    [MessagePackObject]
    public sealed record PushRejected(
        [property: Key(0)] int ShardId,
        [property: Key(1)] int WorkerId,
        [property: Key(2)] long Seq,
        [property: Key(3)] string Reason) : IWireMessage;

    /// <summary>
    /// The coordinator names the workers of the job before they start (and each one that joins later): from then on
    /// the shard refuses pushes from any other worker id, until it is initialized or restored again.
    /// </summary>
    [MessagePackObject]
    public sealed record AdmitWorkers([property: Key(0)] int[] WorkerIds) : ICommand;

    /// <summary>Asks for counters.</summary>
    [MessagePackObject]
    public sealed record GetStats([property: Key(0)] long RequestId) : ICommand;

    /// <summary>Reply to <see cref="GetStats"/>.</summary>
    [MessagePackObject]
    public sealed record ShardStats(
        [property: Key(0)] int ShardId,
        [property: Key(1)] long Version,
        [property: Key(2)] long PushesApplied,
        [property: Key(3)] long DuplicatesIgnored,
        [property: Key(4)] long PushesRejected,
        [property: Key(5)] long Pulls,
        [property: Key(6)] double MeanStaleness,
        [property: Key(7)] long MaxStaleness,
        [property: Key(8)] double ApplySeconds,
        [property: Key(9)] long LateDropped = 0,
        [property: Key(10)] long Rounds = 0) : IWireMessage;

    /// <summary>
    /// Asks the shard to write checkpoint <see cref="CheckpointId"/> of its parameters, optimizer state and version
    /// as a snapshot under <see cref="PersistenceId"/>. The shard copies its state and goes on serving while the
    /// copy is written; it answers <see cref="ShardCheckpointed"/> once the database has it, or <see cref="ShardCheckpointFailed"/>.
    /// </summary>
    [MessagePackObject]
    public sealed record TakeCheckpoint([property: Key(0)] long CheckpointId, [property: Key(1)] string PersistenceId) : ICommand;

    /// <summary>
    /// Reply to <see cref="TakeCheckpoint"/>: the snapshot is stored. <see cref="CopySeconds"/> is how long the shard
    /// stopped serving to copy its state; <see cref="WriteSeconds"/> how long the checksum and the write took after.
    /// </summary>
    [MessagePackObject]
    public sealed record ShardCheckpointed(
        [property: Key(0)] int ShardId,
        [property: Key(1)] long CheckpointId,
        [property: Key(2)] long Version,
        [property: Key(3)] long Bytes,
        [property: Key(4)] double CopySeconds,
        [property: Key(5)] double WriteSeconds) : IWireMessage;

    /// <summary>Reply to <see cref="TakeCheckpoint"/>: the snapshot could not be stored (the reason says why); nothing counts.</summary>
    [MessagePackObject]
    public sealed record ShardCheckpointFailed([property: Key(0)] int ShardId, [property: Key(1)] long CheckpointId, [property: Key(2)] string Reason) : IWireMessage;

    /// <summary>
    /// Like <see cref="InitShard"/>, but the values, optimizer state and version come from checkpoint
    /// <see cref="CheckpointId"/> under <see cref="PersistenceId"/>. Answered with <see cref="ShardReady"/>, or with
    /// <see cref="InitShardRejected"/> when the snapshot is missing, corrupt or made for another layout. A shard loads
    /// only the newest request (a later one replaces one still loading) and serves nothing while it loads;
    /// <see cref="RequestId"/> works as in <see cref="InitShard"/>.
    /// </summary>
    [MessagePackObject]
    public sealed record RestoreShard(
        [property: Key(0)] int ShardId,
        [property: Key(1)] ChunkInfo[] Chunks,
        [property: Key(2)] OptimizerSpec Optimizer,
        [property: Key(3)] int SyncQuorum,
        [property: Key(4)] long CheckpointId,
        [property: Key(5)] string PersistenceId,
        [property: Key(6)] long RequestId = 0,
        [property: Key(7)] OptimizerSpec[]? Groups = null) : ICommand;
}
