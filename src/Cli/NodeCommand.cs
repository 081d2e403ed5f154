// dtrain node: one cluster process with roles coordinator (singleton), ps (shards) and/or worker (replicas).
using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Dtrain.Cli.Cluster;
using Dtrain.Cli.Telemetry;
using Dtrain.Coordinator;
using Dtrain.Models;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;
using Dtrain.ParameterServer;
using Dtrain.Protocol.Transport;
using Dtrain.Worker;
using static Dtrain.Protocol.ClusterProtocol;

namespace Dtrain.Cli;

/// <summary>The <c>node</c> subcommand: joins (or seeds) a cluster and serves until stopped.</summary>
public static class NodeCommand
{
    /// <summary>Runs the command until the node leaves the cluster (Ctrl-C, SIGTERM, or downed).</summary>
    public static async Task<int> Run(CommandLine cl)
    {
        var options = NodeOptions.Read(cl);
        // One worker per GPU when the workers compute on CUDA (--device cuda, or auto with GPUs); one otherwise.
        DeviceOption.Read(cl);
        var device = cl.String("--device") ?? "auto";
        var gpus = device is "cuda" or "auto" ? Models.Backends.DeviceSelection.GpuCount() : 0;
        var workersPerNode = cl.Int("--workers-per-node") ?? EnvInt("DTRAIN_WORKERS_PER_NODE") ?? Math.Max(1, gpus);
        var shardsPerNode = cl.Int("--shards-per-node") ?? EnvInt("DTRAIN_SHARDS_PER_NODE") ?? 1;
        var threads = cl.Int("--threads") ?? EnvInt("DTRAIN_THREADS") ?? Math.Max(1, Environment.ProcessorCount / workersPerNode);
        var dataDir = cl.String("--data-dir");
        var logLevel = (cl.String("--log-level") ?? Environment.GetEnvironmentVariable("DTRAIN_LOG_LEVEL") ?? "WARNING").ToUpperInvariant();
        var bulkPort = cl.Int("--bulk-port") ?? EnvInt("DTRAIN_BULK_PORT") ?? 0;
        var telemetry = TelemetryOptions.Parse(cl);

        // Checkpoints and the coordinator's journal: a PostgreSQL server all nodes reach, or on one machine a SQLite file.
        var database = cl.String("--db") ?? Environment.GetEnvironmentVariable(Protocol.Persistence.Storage.Variable);
        var stateDir = cl.String("--state-dir") ?? Environment.GetEnvironmentVariable("DTRAIN_STATE_DIR") ?? LocalOptions.DefaultCheckpointDir;
        cl.RejectUnknown();
        if (cl.Positional.Count > 0)
        {
            throw new UsageException($"node takes no positional arguments, got '{cl.Positional[0]}'");
        }

        if (logLevel is not ("DEBUG" or "INFO" or "WARNING" or "ERROR"))
        {
            throw new UsageException($"--log-level expects DEBUG, INFO, WARNING or ERROR, got '{logLevel}'");
        }

        if (workersPerNode < 1 || shardsPerNode < 1 || threads < 1)
        {
            throw new UsageException("--workers-per-node, --shards-per-node and --threads must be at least 1");
        }

        if (workersPerNode > JobScale.MaxWorkersPerProcess || shardsPerNode > JobScale.MaxShards || threads > 1024)
        {
            throw new UsageException($"--workers-per-node (at most {JobScale.MaxWorkersPerProcess}), --shards-per-node (at most {JobScale.MaxShards}) and --threads (at most 1024) are bounded; got {workersPerNode}, {shardsPerNode} and {threads}");
        }

        var roles = options.Roles;

        // Addresses first: a host or port that cannot be had is reported before data is loaded or anything started.
        ListenCheck.Bindable(options.Host, options.Port, "the node", "--host/--port");
        if (roles.Contains("ps") && bulkPort != 0)
        {
            ListenCheck.Bindable(options.Host, bulkPort, "the bulk channel", "--bulk-port");
        }

        // Every role speaks on the bulk channel (ps serves it, workers and the coordinator connect): no secret, no node.
        var credentials = options.LoadCredentials();

        // service.name dtrain-ROLES (e.g. dtrain-ps); nothing is exported unless --metrics-port or OTEL_* ask for it.
        using var exporters = TelemetryExport.Start(string.Join("-", roles), telemetry);
        // MNIST is loaded when a job first asks for it (a cluster that trains only the users' files never fetches it);
        // a job's own files are read by each worker node itself, with the schema the coordinator learned.
        var mnist = new MnistOnce(dataDir);

        // Only the roles that write (coordinator: journals; ps: snapshots) open the database.
        var storage = roles.Contains("coordinator") || roles.Contains("ps")
            ? Protocol.Persistence.Storage.Parse(database, Path.Combine(stateDir, "cluster.db"))
            : null;
        storage?.Prepare();
        var config = options.NodeConfig(logLevel);
        var system = ListenCheck.Start(options, storage is null ? config : storage.ToConfig().WithFallback(config), "the node");
        if (storage is not null)
        {
            Console.WriteLine($"dtrain node: journal and checkpoints in {storage.Describe()}");
        }

        var cluster = Akka.Cluster.Cluster.Get(system);
        var self = cluster.SelfAddress.ToString();
        if (roles.Contains("coordinator"))
        {
            var singleton = ClusterCoordinator.Props((submit, schema) => PrepareJob(submit, schema, dataDir), credentials);
            system.ActorOf(ClusterSingletonManager.Props(singleton, PoisonPill.Instance, ClusterSingletonManagerSettings.Create(system).WithRole("coordinator")), ClusterCoordinator.ManagerName);
        }

        var proxy = system.ActorOf(
            ClusterSingletonProxy.Props($"/user/{ClusterCoordinator.ManagerName}", ClusterSingletonProxySettings.Create(system).WithRole("coordinator")),
            ClusterCoordinator.ProxyName);
        if (roles.Contains("ps"))
        {
            // Whole shards move as Params/Push/InitShard: over the bulk channel, never through Akka.Remote's frames.
            var shards = Enumerable.Range(0, shardsPerNode).ToDictionary(s => $"ps-{s}", s => system.ActorOf(ParameterShard.Props(), $"ps-{s}"));
            var bulk = BulkServer.Start(system, options.Host, bulkPort, name => shards.GetValueOrDefault(name), credentials);
            system.RegisterOnTermination(() => bulk.DisposeAsync().AsTask().Wait());
            var endpoint = $"{options.PublicHost ?? options.Host}:{bulk.Endpoint[(bulk.Endpoint.LastIndexOf(':') + 1)..]}";
            foreach (var (name, shard) in shards)
            {
                system.ActorOf(Registrar.Props(proxy, new RegisterShard(shard, self, endpoint, name)), $"register-{name}");
            }

            Console.WriteLine($"dtrain node: {shards.Count} shard(s) on bulk channel {endpoint}");
        }

        if (roles.Contains("worker"))
        {
            var nodeData = new NodeData(self, () => mnist.Load().Train, EncodeOnNode);
            Console.WriteLine($"dtrain node: {workersPerNode} worker(s) on {DeviceOption.Describe(threads)}");
            for (var w = 0; w < workersPerNode; w++)
            {
                var worker = system.ActorOf(Worker.Worker.Props(nodeData.For, DeviceOption.Factory(threads), credentials), $"worker-{w}");
                system.ActorOf(Registrar.Props(proxy, new RegisterWorker(worker, self, DeviceOption.Describe(threads))), $"register-worker-{w}");
            }
        }

        cluster.RegisterOnMemberUp(() => Console.WriteLine($"dtrain node: {self} up, roles {string.Join(",", roles)}"));
        if (options.Seeds.Count == 0)
        {
            cluster.Join(cluster.SelfAddress); // the first node of a new cluster seeds itself
        }
        else
        {
            cluster.JoinSeedNodes(options.Seeds.Select(s => Akka.Actor.Address.Parse(options.AddressOf(s))));
        }

        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true; // leave the cluster gracefully: the coordinator hands this node's partitions on
            _ = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        };
        Console.WriteLine($"dtrain node: {self} joining {(options.Seeds.Count == 0 ? "itself (seed)" : string.Join(",", options.Seeds))} as cluster '{options.ClusterName}'");
        await system.WhenTerminated;
        Console.WriteLine($"dtrain node: {self} stopped");
        return 0;
    }

    /// <summary>
    /// Turns a submission into a job with its data, as <c>dtrain train</c> reads its file and flags. The coordinator's
    /// pass over the data learns the schema (or takes <paramref name="journaled"/>, the one a resumed job started with),
    /// fits "auto" shapes to it and counts the training rows; it keeps the validation and test sets it scores and only
    /// an index of the training rows, which every worker node reads from the files itself.
    /// </summary>
    internal static ClusterCoordinator.PreparedJob PrepareJob(SubmitJob submit, DataSchema? journaled, string? dataDir)
    {
        var (text, file) = (submit.ModelJson, submit.ModelFile);
        var model = AutoShapes.Has(text) ? null : ModelCompiler.Compile(ModelParser.Parse(text, file));
        var cl = CommandLine.Parse(submit.TrainArgs);
        var settings = TrainCommand.ApplyOverrides(model?.Spec.Training ?? AutoShapes.Training(text, file), cl, file);
        cl.RejectUnknown();
        settings.Validate("submitted flags");
        if (settings.Dataset != "mnist")
        {
            throw new DtrainException($"{file}: training.dataset '{settings.Dataset}' is not known; known: mnist");
        }

        var data = DataPreparer.Prepare(settings.Data, settings.Seed, dataDir, Console.Out);
        try
        {
            var schema = journaled ?? data.Schema;
            if (model is null)
            {
                (text, model) = TrainData.Fit(text, file, schema);
            }

            JobScale.CheckName(model.Spec.Name, file);
            JobScale.Check(model, settings, "submitted flags", oneProcess: false);
            Dtrain.Protocol.Persistence.PretrainedParameters.Apply(model, new float[model.ParameterCount]); // init_from's file, checked before the job is accepted
            ModelDataFit.Check(model, data.Train, file);
            var spec = settings.Data;
            var split = spec.Validation is null && spec.ValidationSplit > 0;
            var job = new JobSpec(model.Spec.Name, file, text, model, settings, Schema: schema, DataRows: DataPreparer.AllRows(data.Train).Count + (split ? data.Validation?.Count ?? 0 : 0));
            Coordinator.Coordinator.CheckEarlyStopping(job, data.Train.Task, data.Validation);
            var index = new TrainingIndex(data.Train);
            (data.Train as IDisposable)?.Dispose();
            if (!spec.IsBuiltInMnist)
            {
                Console.WriteLine($"dtrain node: job data {spec.Train}: the coordinator keeps an index of {index.Count:N0} training rows; each worker node reads them itself");
            }

            return new ClusterCoordinator.PreparedJob(job, index, data.Test, data.Validation);
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    /// <summary>A job's training files read on this node with the job's schema, into this node's encoded cache.</summary>
    private static ExampleSource EncodeOnNode(string path, string? format, DataSchema schema) =>
        DataPreparer.EncodeTraining(path, format, schema, Console.Out);

    /// <summary>MNIST, loaded on first use and kept: every MNIST job of this node reads the same arrays.</summary>
    internal sealed class MnistOnce(string? dataDir)
    {
        private readonly Lock _gate = new();
        private (Dataset Train, Dataset Test)? _data;

        /// <summary>The training and test sets (fetched into the cache the first time when no --data-dir holds them).</summary>
        public (Dataset Train, Dataset Test) Load()
        {
            lock (_gate)
            {
                return _data ??= Mnist.Load(Mnist.Ensure(dataDir, Console.Out));
            }
        }
    }

    private static int? EnvInt(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } v
            ? int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : throw new UsageException($"${name} expects an integer, got '{v}'")
            : null;
}
