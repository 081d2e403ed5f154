// Single-process mode: one ActorSystem holding the coordinator, K parameter shards and N workers.
using Akka.Actor;
using Dtrain.Coordinator;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Data;
using Dtrain.ParameterServer;
using Dtrain.Protocol;
using Dtrain.Protocol.Serialization;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Cli;

/// <summary>Runs a whole job inside one process, the laptop mode; the roles still talk only by messages.</summary>
public static class LocalJob
{
    /// <summary>
    /// Trains <paramref name="job"/> and returns the coordinator's summary. <paramref name="onEpoch"/> sees each
    /// epoch report as it arrives, <paramref name="onProgress"/> each finished partition. <paramref name="serializeMessages"/> forces every message through the
    /// MessagePack serializer, as the tests do.
    /// </summary>
    public static async Task<JobCompleted> RunAsync(JobSpec job, Dataset trainingSet, Dataset testSet, Action<EpochCompleted> onEpoch, bool serializeMessages = false, Action<TrainingProgress>? onProgress = null)
    {
        var system = ActorSystem.Create("dtrain", WireConfig.SingleProcess(serializeMessages));
        try
        {
            var settings = job.Settings;
            var done = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
            var showProgress = onProgress ?? (_ => { });
            var listener = system.ActorOf(Props.Create(() => new JobListener(done, onEpoch, showProgress)), "listener");
            var shards = Enumerable.Range(0, settings.PsShards)
                .Select(s => system.ActorOf(ParameterShard.Props(), $"ps-{s}")).ToList();

            // The cores are shared: each worker's GEMM gets an equal slice so replicas do not oversubscribe them.
            var threads = Math.Max(1, Environment.ProcessorCount / settings.Workers);
            var workers = Enumerable.Range(0, settings.Workers)
                .Select(w => system.ActorOf(Worker.Worker.Props(trainingSet, () => new CpuBackend(threads)), $"worker-{w}")).ToList();
            system.ActorOf(Coordinator.Coordinator.Props(job, shards, workers, listener, trainingSet, testSet), "coordinator");
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

    private sealed class JobListener : ReceiveActor
    {
        public JobListener(TaskCompletionSource<object> done, Action<EpochCompleted> onEpoch, Action<TrainingProgress> onProgress)
        {
            Receive<TrainingProgress>(onProgress);
            Receive<EpochCompleted>(onEpoch);
            Receive<JobCompleted>(c => done.TrySetResult(c));
            Receive<JobFailed>(f => done.TrySetResult(f));
        }
    }
}
