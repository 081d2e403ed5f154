// Single-process mode: one ActorSystem holding the coordinator, K parameter shards and N workers.
using Akka.Actor;
using Dtrain.Coordinator;
using Dtrain.Models.Data;
using Dtrain.ParameterServer;
using Dtrain.Protocol;
using Dtrain.Protocol.Persistence;
using Dtrain.Protocol.Serialization;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Cli;

/// <summary>Runs a whole job inside one process, the laptop mode; the roles still talk only by messages.</summary>
public static class LocalJob
{
    /// <summary>
    /// Trains <paramref name="job"/> and returns the coordinator's summary. <paramref name="onEpoch"/> sees each
    /// epoch report as it arrives, <paramref name="onProgress"/> each finished partition. <paramref name="serializeMessages"/> forces every message through the
    /// MessagePack serializer, as the tests do. With <paramref name="storage"/> the job journals itself and checkpoints
    /// into that database (without it, checkpoints are off); <paramref name="resume"/> makes it go on from a checkpoint.
    /// <paramref name="onNotice"/> sees checkpoint and recovery notices. <paramref name="validationSet"/> is scored
    /// every epoch (best epoch, early stopping); <paramref name="schema"/> puts regression figures in the data's units.
    /// </summary>
    public static async Task<JobCompleted> RunAsync(JobSpec job, ExampleSource trainingSet, ExampleSource? testSet, Action<EpochCompleted> onEpoch, bool serializeMessages = false, Action<TrainingProgress>? onProgress = null, Storage? storage = null, ResumePlan? resume = null, Action<JobNotice>? onNotice = null, ExampleSource? validationSet = null, DataSchema? schema = null)
    {
        // Refused before any actor starts: a job that asks for early stopping without a validation set trains nothing.
        Coordinator.Coordinator.CheckEarlyStopping(job, trainingSet.Task, validationSet);

        // The schema is journaled with the job (a resumed job keeps the one it started with), so export and eval find it.
        job = job with { Schema = job.Schema ?? schema };
        if (storage is null)
        {
            job = job with { Settings = job.Settings with { Checkpoint = false } };
        }

        storage?.Prepare();
        var system = ActorSystem.Create("dtrain", storage is null ? WireConfig.SingleProcess(serializeMessages) : storage.ToConfig().WithFallback(WireConfig.SingleProcess(serializeMessages)));
        try
        {
            if (storage is not null)
            {
                await WarmStorageAsync(system, job.JobId);
            }

            var settings = job.Settings;
            var done = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
            var showProgress = onProgress ?? (_ => { });
            var showNotice = onNotice ?? (_ => { });
            var listener = system.ActorOf(Props.Create(() => new JobListener(done, onEpoch, showProgress, showNotice)), "listener");
            var roles = system.ActorOf(LocalRoles.Props(listener), "job");
            var shards = new List<IActorRef>();
            for (var s = 0; s < settings.PsShards; s++)
            {
                shards.Add(await roles.Ask<IActorRef>(new LocalRoles.Spawn(ParameterShard.Props(), $"ps-{s}"), TimeSpan.FromSeconds(30)));
            }

            // The cores are shared: each worker's GEMM gets an equal slice so replicas do not oversubscribe them.
            var threads = Math.Max(1, Environment.ProcessorCount / settings.Workers);
            var workers = Enumerable.Range(0, settings.Workers)
                .Select(w => system.ActorOf(Worker.Worker.Props(trainingSet, DeviceOption.Factory(threads)), $"worker-{w}")).ToList();
            await roles.Ask<IActorRef>(new LocalRoles.Spawn(Coordinator.Coordinator.Props(job, shards, workers, listener, trainingSet, testSet, resume, validationSet, schema), "coordinator"), TimeSpan.FromSeconds(30));
            return await done.Task switch
            {
                JobCompleted completed => completed,
                JobFailed failed => throw new Dtrain.Models.DtrainException($"training failed: {failed.Reason}"),
                var other => throw new InvalidOperationException($"unexpected job result {other}"),
            };
        }
        finally
        {
            await system.Terminate();
        }
    }

    /// <summary>
    /// Reads the journal of <paramref name="jobId"/> from <paramref name="storage"/> (null when the database holds no
    /// such job); a clear error when the database cannot be opened.
    /// </summary>
    public static async Task<JobJournal.JobRecord?> ReadJournalAsync(Storage storage, string jobId)
    {
        storage.Prepare();
        var system = ActorSystem.Create("dtrain-journal", storage.ToConfig().WithFallback(WireConfig.SingleProcess(false)));
        try
        {
            var record = await JobJournal.ReadAsync(system, jobId, TimeSpan.FromSeconds(60));
            foreach (var warning in record?.Warnings ?? [])
            {
                Console.Error.WriteLine($"dtrain: warning: {warning}");
            }

            return record;
        }
        finally
        {
            await system.Terminate();
        }
    }

    /// <summary>
    /// Opens the journal and the snapshot store (tables created, database driver and plugin code compiled) before the
    /// job starts, so the first epoch's throughput measures training rather than this one-time set-up.
    /// </summary>
    private static async Task WarmStorageAsync(ActorSystem system, string jobId)
    {
        await JobJournal.ReadAsync(system, jobId, TimeSpan.FromSeconds(60));
        var store = Akka.Persistence.Persistence.Instance.Apply(system).SnapshotStoreFor(null);
        await store.Ask<object>(new Akka.Persistence.LoadSnapshot("dtrain/warm-up", Akka.Persistence.SnapshotSelectionCriteria.Latest, long.MaxValue), TimeSpan.FromSeconds(60));
    }

    private sealed class JobListener : ReceiveActor
    {
        public JobListener(TaskCompletionSource<object> done, Action<EpochCompleted> onEpoch, Action<TrainingProgress> onProgress, Action<JobNotice> onNotice)
        {
            Receive<TrainingProgress>(onProgress);
            Receive<JobNotice>(onNotice);
            Receive<EpochCompleted>(onEpoch);
            Receive<JobCompleted>(c => done.TrySetResult(c));
            Receive<JobFailed>(f => done.TrySetResult(f));
        }
    }
}
