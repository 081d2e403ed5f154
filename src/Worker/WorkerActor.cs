// The worker actor: Idle -> Training (pull, compute, push per step) -> PartitionDone, as a message-driven loop.
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Dtrain.Models;
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;
using Dtrain.Protocol;
using Dtrain.Protocol.Telemetry;
using Dtrain.Protocol.Transport;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.ParameterShardProtocol;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Worker;

internal sealed partial class WorkerActor : ReceiveActor
{
    /// <summary>Pushes a shard may have unacknowledged before the worker waits: bounds memory and staleness.</summary>
    private const int MaxPushesInFlight = 2;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Func<JoinJob, ExampleSource> _data;
    private readonly Func<IBackend> _backendFactory;

    // The job's training examples: the data set the worker was started with, or the job's own files (cluster mode).
    private ExampleSource _trainingSet = null!;
    private JoinJob? _job;
    private WorkerTelemetry _telemetry = new(-1);
    private IBackend? _backend;
    private GraphExecutor? _executor;
    private Tensor[] _trainableGradients = [];
    private IBuffer? _normScratch;
    private float[] _features = [];
    private float[] _labels = [];
    private long[] _shardVersions = [];
    private int[] _pushesInFlight = [];
    private int[] _routeFloats = [];
    private long _seq;

    // Image augmentation of training batches (training.data.augment): crop padding, flip, and the seed of the draws.
    private (int CropPadding, bool Flip, int Seed) _augment;

    // The last push sequence number sent before the current job was joined: answers to those pushes belong to a job
    // (or a shard state) that is gone, and must neither free a slot of the new job's pushes nor fail it.
    private long _joinedAfterSeq;
    private long _requestId;
    private int _pullsPending;
    private long _stepsSinceFetch;
    private int _stepsSincePush;
    private bool _fetchedOnce;

    // The step's loss: copied to the host behind forward, taken once a fence after it has passed.
    private HostBuffer? _lossHost;
    private bool _lossTaken;
    private int _lossBatch;

    // The partition being trained.
    private AssignPartition? _partition;
    private int _position;
    private int _steps;
    private double _lossSum;
    private long _computeTicks;

    public WorkerActor(ExampleSource trainingSet, Func<IBackend> backendFactory)
        : this(_ => trainingSet, backendFactory)
    {
    }

    /// <summary>A worker that finds each job's training examples with <paramref name="data"/> when it joins the job.</summary>
    public WorkerActor(Func<JoinJob, ExampleSource> data, Func<IBackend> backendFactory)
    {
        _data = data;
        _backendFactory = backendFactory;
        Receive<JoinJob>(Join);
    }

    /// <summary>An unexpected crash would restart the actor and lose the job silently: tell the coordinator first.</summary>
    protected override void PreRestart(Exception reason, object message)
    {
        _job?.Coordinator.Tell(new WorkerFailed(_job.WorkerId, $"worker crashed on {message.GetType().Name}: {reason.Message}"));
        base.PreRestart(reason, message);
    }

    protected override void PreStart() => WorkerTelemetry.Started();

    protected override void PostStop()
    {
        _telemetry.Stopped();
        AbandonPush();
        _payloads?.Dispose();
        _lossHost?.Dispose();
        _executor?.Dispose();
        _normScratch?.Dispose();
        _backend?.Dispose();
    }

    private void Join(JoinJob job)
    {
        job = ConnectBulkRoutes(job);
        try
        {
            var model = ModelCompiler.Compile(ModelParser.Parse(job.ModelJson, job.ModelFile));

            // A node that cannot read the job's files fails the job here, before any step, naming itself and the path.
            _trainingSet = _data(job);
            if (model.FeatureSize != _trainingSet.FeatureSize)
            {
                throw new DtrainException($"{job.ModelFile}: the model's features have {model.FeatureSize} floats per example but data set '{_trainingSet.Name}' has {_trainingSet.FeatureSize}");
            }

            var data = model.Spec.Training.Data;
            _augment = (data.AugmentCropPadding, data.AugmentFlip, model.Spec.Training.Seed);
            if (ImageAugment.IsOn(_augment.CropPadding, _augment.Flip) && _trainingSet.FeatureShape.Length is not (2 or 3))
            {
                throw new DtrainException($"{job.ModelFile}: training.data.augment needs images ([channels, height, width] or [height, width]), but data set '{_trainingSet.Name}' has examples of [{string.Join(", ", _trainingSet.FeatureShape)}]");
            }

            _backend ??= _backendFactory();
            _executor?.Dispose();
            _executor = new GraphExecutor(model, _backend, job.Batch, training: true)
            {
                // Each replica draws its own dropout masks; the same job and worker id repeat them exactly.
                Seed = ((ulong)(uint)model.Spec.Training.Seed << 32) | (uint)job.WorkerId,
            };
            _trainableGradients = model.Parameters.Where(p => p.Spec.Trainable).Select(p => _executor.Gradients.Slice(p.Offset, p.Size)).ToArray();
            _normScratch ??= _backend.Allocate(1);
            _lossHost ??= _backend.AllocateHost(1);
            _features = new float[job.Batch * model.FeatureSize];
            _labels = new float[job.Batch * model.LabelSize];
            _shardVersions = job.Shards.Select(_ => -1L).ToArray();
            _latestVersions = job.Shards.Select(_ => -1L).ToArray();
            _pushesInFlight = new int[job.Shards.Length];
            _joinedAfterSeq = _seq;
            (_pullsPending, _partition) = (0, null); // a job resumed after a failure joins again mid-partition
            _routeFloats = job.Shards.Select(r => ChunkPlacement.Floats(r.Chunks)).ToArray();
            AbandonPush();
            _payloads?.Dispose();
            _payloads = new PushPayloads(_backend, _routeFloats);

            // Running statistics (state chunks) are final after forward; only gradient chunks wait for backward.
            _readiness = new GradientReadiness(
                model,
                job.Shards.Select(r => (IReadOnlyList<(int, int)>)r.Chunks.Where(c => !c.State).Select(c => (c.Offset, c.Length)).ToArray()).ToArray(),
                StagePush);
            _overlapPushes = job.OverlapPush;
            _job = job;
            _telemetry = new WorkerTelemetry(job.WorkerId);
            _fetchedOnce = false;
            _log.Info("worker {0} joined job {1} on {2}", job.WorkerId, job.JobId, _backend.Name);
            Become(Idle);
            job.Coordinator.Tell(new RequestWork(job.WorkerId));
        }
        catch (DtrainException e)
        {
            job.Coordinator.Tell(new WorkerFailed(job.WorkerId, e.Message));
        }
    }

    private void Idle()
    {
        Receive<JoinJob>(Join);
        Receive<AssignPartition>(Start);
        Receive<PushAck>(OnPushAck);
        Receive<PushRejected>(OnPushRejected);
        Receive<BulkDeliveryFailed>(OnDeliveryFailed);
        Receive<Params>(p => p.Values?.Release());
    }

    private void Training()
    {
        Receive<JoinJob>(Join);
        Receive<Continue>(_ => Advance());
        Receive<Params>(OnParams);
        Receive<PushAck>(OnPushAck);
        Receive<PushRejected>(OnPushRejected);
        Receive<BulkDeliveryFailed>(OnDeliveryFailed);
    }

    private void Failed()
    {
        // A job that resumes (its shards restored from a checkpoint) sends JoinJob again.
        Receive<JoinJob>(Join);
        ReceiveAny(m =>
        {
            (m as Params)?.Values?.Release();
        });
    }

    private void Start(AssignPartition partition)
    {
        _partition = partition;
        (_position, _steps, _lossSum, _computeTicks, _maxLag) = (0, 0, 0, 0, 0);
        TakePartInRounds(true);
        Become(Training);
        Advance();
    }

    /// <summary>The step loop: each call does one thing and sends itself Continue, so acks interleave.</summary>
    private void Advance()
    {
        if (_job is not { } job || _partition is not { } partition || _pullsPending > 0)
        {
            return; // a Continue from a partition given up when the job resumed
        }

        if (_position >= partition.Indices.Length)
        {
            if (MostPushesInFlight() > 0)
            {
                return; // OnPushAck calls Advance again once the last push is acknowledged.
            }

            _partition = null;
            Become(Idle);
            TakePartInRounds(false);
            job.Coordinator.Tell(new PartitionDone(job.WorkerId, partition.Epoch, partition.PartitionId, partition.Indices.Length, _steps, _lossSum, (double)_computeTicks / Stopwatch.Frequency, _maxLag));
            return;
        }

        if (MostPushesInFlight() >= MaxPushesInFlight)
        {
            return;
        }

        if (!_fetchedOnce || _stepsSinceFetch % job.FetchEvery == 0 || TooStale())
        {
            RequestParameters();
            return;
        }

        ComputeStep();
        Self.Tell(Continue.Instance);
    }

    private void RequestParameters()
    {
        var job = _job!;
        _requestId++;
        _pullsPending = job.Shards.Length;
        var traceParent = _telemetry.PullStarted();
        for (var s = 0; s < job.Shards.Length; s++)
        {
            job.Shards[s].Shard.Tell(new Pull(_requestId, _shardVersions[s], traceParent));
        }
    }

    private void OnParams(Params p)
    {
        try
        {
            var s = RouteOf(p.ShardId);
            if (p.RequestId != _requestId || s < 0)
            {
                return; // An answer to an older request: its values are out of date.
            }

            if (p.Values is { } values && !TryScatter(values, s))
            {
                return;
            }

            _shardVersions[s] = p.Version;
            HeardOf(s, p.Version);
            _telemetry.ParamsReceived(p.Values?.Length ?? 0);
            if (--_pullsPending == 0)
            {
                _telemetry.PullFinished();
                _fetchedOnce = true;
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
            Scatter(values, route);
            return true;
        }
        catch (DtrainException e)
        {
            _job!.Coordinator.Tell(new WorkerFailed(_job.WorkerId, e.Message));
            Become(Failed);
            return false;
        }
    }

    private void OnPushAck(PushAck ack)
    {
        if (ack.Seq <= _joinedAfterSeq)
        {
            return;
        }

        var s = RouteOf(ack.ShardId);
        if (s >= 0 && _pushesInFlight[s] > 0)
        {
            HeardOf(s, ack.Version);
            _pushesInFlight[s]--;
            if (_partition is not null)
            {
                Advance();
            }
        }
    }

    // The two helpers below run several times per step: plain loops, no LINQ enumerators or closures.
    private int MostPushesInFlight()
    {
        var most = 0;
        foreach (var n in _pushesInFlight)
        {
            most = Math.Max(most, n);
        }

        return most;
    }

    /// <summary>Index of the route to shard <paramref name="shardId"/>, or -1 for a shard this job does not use.</summary>
    private int RouteOf(int shardId)
    {
        var shards = _job!.Shards;
        for (var s = 0; s < shards.Length; s++)
        {
            if (shards[s].ShardId == shardId)
            {
                return s;
            }
        }

        return -1;
    }

    /// <summary>A pull or push could not reach its shard over the bulk channel: the step cannot go on, say why.</summary>
    private void OnDeliveryFailed(BulkDeliveryFailed failed)
    {
        if (!IsCurrentRoute(Sender))
        {
            return; // a proxy of the job before it resumed, stopped when the worker joined again: nothing to report
        }

        _log.Error(failed.ToString());
        _job!.Coordinator.Tell(new WorkerFailed(_job.WorkerId, failed.ToString()));
        Become(Failed);
    }

    private void OnPushRejected(PushRejected rejected)
    {
        if (rejected.Seq <= _joinedAfterSeq)
        {
            _log.Info("shard {0} refused push {1}, sent before this worker joined job {2}: {3}", rejected.ShardId, rejected.Seq, _job?.JobId, rejected.Reason);
            return;
        }

        var reason = $"shard {rejected.ShardId} rejected push {rejected.Seq} of worker {rejected.WorkerId}: {rejected.Reason}";
        _log.Error(reason);
        _job!.Coordinator.Tell(new WorkerFailed(_job.WorkerId, reason));
        Become(Failed);
    }

    internal sealed class Continue
    {
        public static readonly Continue Instance = new();

        private Continue()
        {
        }
    }
}
