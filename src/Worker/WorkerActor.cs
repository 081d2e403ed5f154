// The worker actor: Idle -> Training (pull, compute, push per step) -> PartitionDone, as a message-driven loop over
// its cores (Replica, PushPipeline, StalenessTracker, PullSchedule, PartitionProgress); here only behaviours, wiring
// and sends.
using Akka.Actor;
using Akka.Event;
using Dtrain.Models;
using Dtrain.Models.Backends;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;
using Dtrain.Protocol;
using Dtrain.Protocol.Telemetry;
using Dtrain.Protocol.Transport;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.ParameterShardProtocol;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Worker;

internal sealed partial class WorkerActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Func<JoinJob, ExampleSource> _data;
    private readonly Func<IBackend> _backendFactory;

    // Made on the worker's own thread at the first join and kept over all jobs.
    private IBackend? _backend;

    // The job joined and its cores, all made anew by each join (sequence and request ids go on from the previous ones).
    private JoinJob? _job;
    private WorkerTelemetry _telemetry = new(-1);
    private Replica? _replica;
    private PushPipeline? _pushes;
    private PullSchedule? _pulls;
    private StalenessTracker? _staleness;

    // The partition being trained; null while idle.
    private PartitionProgress? _progress;

    // The training program's place (phase, sub-step) and the groups the step in progress pushes.
    private ProgramSteps? _program;
    private ulong _groupMask;

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
        _pushes?.Dispose();
        _replica?.Dispose();
        _backend?.Dispose();
    }

    private void Join(JoinJob job)
    {
        job = ConnectBulkRoutes(job);
        try
        {
            var model = ModelCompiler.Compile(ModelParser.Parse(job.ModelJson, job.ModelFile));

            // A node that cannot read the job's files fails the job here, before any step, naming itself and the path.
            var trainingSet = _data(job);
            Replica.CheckFits(model, trainingSet, job.ModelFile);
            _backend ??= _backendFactory();
            _replica?.Dispose();
            _replica = new Replica(_backend, model, trainingSet, job.Batch, job.WorkerId);

            // A job resumed after a failure joins again mid-partition: the partition and any pull are given up.
            _progress = null;
            _telemetry = new WorkerTelemetry(job.WorkerId);
            var routes = job.Shards.Select(r => r.Chunks).ToArray();
            var lastSeq = _pushes?.LastSeq ?? 0;
            _pushes?.Dispose();

            // Clipping needs the norm of the whole gradient before any of it leaves, so it rules out overlap.
            _pushes = new PushPipeline(_backend, model, routes, job.PushEvery, job.OverlapPush && job.ClipNorm <= 0, lastSeq, _telemetry, StagePush);
            _pulls = new PullSchedule(routes.Length, job.FetchEvery, _pulls);
            _staleness = new StalenessTracker(routes.Length, job.Mode == Models.Graph.TrainingMode.Ssp, job.Staleness);
            _program = new ProgramSteps(model.Program, byRound: job.Mode == Models.Graph.TrainingMode.Sync);
            _job = job;
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

    /// <summary>The step cannot go on: tell the coordinator why and wait for the job to be joined again.</summary>
    private void Fail(string reason)
    {
        _job!.Coordinator.Tell(new WorkerFailed(_job.WorkerId, reason));
        Become(Failed);
    }

    /// <summary>Index of the route to shard <paramref name="shardId"/>, or -1 for a shard this job does not use.</summary>
    private int RouteOf(int shardId)
    {
        // Runs on every answer: a plain loop, no LINQ enumerator or closure.
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
        Fail(failed.ToString());
    }

    private void OnPushRejected(PushRejected rejected)
    {
        if (_pushes!.SentBeforeJoining(rejected.Seq))
        {
            _log.Info("shard {0} refused push {1}, sent before this worker joined job {2}: {3}", rejected.ShardId, rejected.Seq, _job?.JobId, rejected.Reason);
            return;
        }

        var reason = $"shard {rejected.ShardId} rejected push {rejected.Seq} of worker {rejected.WorkerId}: {rejected.Reason}";
        _log.Error(reason);
        Fail(reason);
    }

    internal sealed class Continue
    {
        public static readonly Continue Instance = new();

        private Continue()
        {
        }
    }
}
