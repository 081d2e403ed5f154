// The product's instrument and span names, in one place so dashboards, docs and tests can list them.
namespace Dtrain.Protocol.Telemetry;

/// <summary>
/// OpenTelemetry names of every instrument on the <c>dtrain</c> meter: dotted lowercase, the unit in the
/// instrument's unit field (never in the name). Prometheus sees them with dots as underscores, the unit appended
/// (<c>s</c> as <c>_seconds</c>, <c>By</c> as <c>_bytes</c>) and <c>_total</c> on counters.
/// </summary>
public static class MetricNames
{
    /// <summary>Counter, {example}: training examples a worker has stepped over. Tag: worker.</summary>
    public const string WorkerExamples = "dtrain.worker.examples";

    /// <summary>Counter, {step}: minibatch steps a worker has computed. Tag: worker.</summary>
    public const string WorkerSteps = "dtrain.worker.steps";

    /// <summary>Histogram, s: one step's time split by phase (pull, compute, push). Tags: worker, phase.</summary>
    public const string StepDuration = "dtrain.worker.step.duration";

    /// <summary>Gauge, no unit (the loss is in the loss node's own units): mean training loss of the epoch so far (coordinator).</summary>
    public const string TrainLoss = "dtrain.train.loss";

    /// <summary>Gauge, no unit: mean loss of the last partition a worker finished. Tag: worker.</summary>
    public const string WorkerLoss = "dtrain.worker.loss";

    /// <summary>Gauge, 1: test-set accuracy after the last evaluated epoch (0 to 1).</summary>
    public const string TestAccuracy = "dtrain.test.accuracy";

    /// <summary>Gauge, {epoch}: the epoch being trained.</summary>
    public const string Epoch = "dtrain.epoch";

    /// <summary>Counter, {push}: gradient pushes a shard received. Tags: shard, result (applied, duplicate, rejected).</summary>
    public const string ShardPushes = "dtrain.ps.pushes";

    /// <summary>Counter, {pull}: parameter pulls a shard answered. Tag: shard.</summary>
    public const string ShardPulls = "dtrain.ps.pulls";

    /// <summary>Histogram, s: the optimizer's apply time for one push over all of a shard's chunks. Tag: shard.</summary>
    public const string ApplyDuration = "dtrain.ps.apply.duration";

    /// <summary>Histogram, {version}: shard version minus the version the pushed gradient was computed from. Tag: shard.</summary>
    public const string Staleness = "dtrain.ps.staleness";

    /// <summary>Counter, By: tensor payload bytes sent and received. Tags: role, network.io.direction (transmit, receive).</summary>
    public const string NetworkIo = "dtrain.network.io";

    /// <summary>Histogram, s: time to write one checkpoint. Tag: role.</summary>
    public const string CheckpointDuration = "dtrain.checkpoint.duration";

    /// <summary>UpDownCounter, {worker}: worker actors alive in this process.</summary>
    public const string WorkersAlive = "dtrain.cluster.workers";

    /// <summary>UpDownCounter, {shard}: parameter shards alive in this process.</summary>
    public const string ShardsAlive = "dtrain.cluster.shards";

    /// <summary>Counter, {failure}: failures seen by the coordinator. Tag: kind.</summary>
    public const string Failures = "dtrain.failures";

    /// <summary>Counter, {recovery}: recoveries (partitions handed to another worker). Tag: kind.</summary>
    public const string Recoveries = "dtrain.recoveries";

    /// <summary>Span names: one training step is one trace across processes.</summary>
    public static class Spans
    {
        /// <summary>Root span of one worker step.</summary>
        public const string Step = "dtrain.step";

        /// <summary>Worker: waiting for every shard's parameters.</summary>
        public const string Pull = "dtrain.pull";

        /// <summary>Worker: forward pass.</summary>
        public const string Forward = "dtrain.forward";

        /// <summary>Worker: backward pass.</summary>
        public const string Backward = "dtrain.backward";

        /// <summary>Worker: gradients downloaded and sent to every shard.</summary>
        public const string Push = "dtrain.push";

        /// <summary>Shard: answering a pull, in the worker's trace.</summary>
        public const string ServePull = "dtrain.ps.serve_pull";

        /// <summary>Shard: the optimizer applying a push, in the worker's trace.</summary>
        public const string Apply = "dtrain.ps.apply";
    }

    /// <summary>Attribute keys.</summary>
    public static class Tags
    {
        /// <summary>Worker id.</summary>
        public const string Worker = "dtrain.worker";

        /// <summary>Shard id.</summary>
        public const string Shard = "dtrain.shard";

        /// <summary>Step phase: pull, compute or push.</summary>
        public const string Phase = "dtrain.phase";

        /// <summary>Push outcome: applied, duplicate or rejected.</summary>
        public const string Result = "dtrain.result";

        /// <summary>Process role: worker, ps, coordinator.</summary>
        public const string Role = "dtrain.role";

        /// <summary>Failure or recovery kind.</summary>
        public const string Kind = "dtrain.kind";

        /// <summary>OpenTelemetry's network direction attribute: transmit or receive.</summary>
        public const string Direction = "network.io.direction";
    }
}
