// dtrain submit: sends a model (and train flags) to a running cluster and follows the job like dtrain train.
using Akka.Actor;
using Dtrain.Cli.Cluster;
using Dtrain.Models;
using Dtrain.Models.Graph;
using static Dtrain.Protocol.ClusterProtocol;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Cli;

/// <summary>The <c>submit</c> subcommand.</summary>
public static class SubmitCommand
{
    /// <summary>Flags of the client itself; every other flag is a train flag forwarded with the job.</summary>
    private static readonly string[] ClientFlags = ["--cluster", "--cluster-name", "--tls-cert", "--tls-password", "--host", "--config", "--summary", "--timeout"];

    /// <summary>How long a client waits for the coordinator to read a job's data (learn its schema, count its rows).</summary>
    private static readonly TimeSpan PrepareWait = TimeSpan.FromHours(6);

    /// <summary>How long a client waits for a new coordinator singleton to take over after the old one stopped.</summary>
    private static readonly TimeSpan TakeoverWait = TimeSpan.FromMinutes(3);

    /// <summary>Runs the command; 0 when the job completed, 1 with the coordinator's reason when it failed.</summary>
    public static async Task<int> Run(IReadOnlyList<string> args)
    {
        var (clientArgs, trainArgs) = SplitArgs(args);
        var cl = CommandLine.Parse(clientArgs);
        var file = cl.Single("model or job file");
        if (File.Exists(file) && JobFile.IsJobFile(file))
        {
            var (modelFile, flags) = JobFile.Read(file);
            (file, trainArgs) = (modelFile, [.. flags, .. trainArgs]);
        }

        var cluster = cl.String("--cluster") ?? Environment.GetEnvironmentVariable("DTRAIN_CLUSTER") ?? throw new UsageException("submit needs --cluster HOST:PORT (or $DTRAIN_CLUSTER)");
        var summaryPath = cl.String("--summary");
        var timeout = TimeSpan.FromSeconds(cl.Int("--timeout") ?? 30);
        var options = NodeOptions.Read(cl) with { Port = 0 };
        cl.RejectUnknown();

        // Check the file and the flags here, so a typo is reported before anything reaches the cluster. A model with
        // "auto" shapes is fitted by the coordinator, which reads the job's data; the data's paths go as absolute paths
        // (the nodes must see them there: a shared volume).
        var modelJson = File.ReadAllText(file);
        var model = AutoShapes.Has(modelJson) ? null : ModelCompiler.Load(file);
        trainArgs = AbsoluteDataPaths(trainArgs);
        var trainCl = CommandLine.Parse(trainArgs);
        var settings = TrainCommand.ApplyOverrides(model?.Spec.Training ?? AutoShapes.Training(modelJson, file), trainCl, file);
        trainCl.RejectUnknown();
        settings.Validate("command line");
        if (model is not null)
        {
            JobScale.CheckName(model.Spec.Name, file);
            JobScale.Check(model, settings, "command line", oneProcess: false);
            ModelLimits.CheckBatch(model, settings.Batch, "batch");
        }

        CheckFitsOneMessage(file, modelJson, trainArgs);
        await using var client = ClusterClient.Open(options, cluster);
        var proxy = await client.Connect(timeout);
        // The model file's absolute path: the coordinator takes relative data paths in its training.data from its folder.
        var submit = new SubmitJob(Path.GetFullPath(file), modelJson, [.. trainArgs], client.Listener, Guid.NewGuid().ToString("N"));
        var accepted = await client.Request(proxy, submit, timeout, "the coordinator to accept the job");
        if (accepted is JobNotice reading)
        {
            // The coordinator reads the job's data before it accepts the job: on a large set that takes a while. It is
            // watched meanwhile, so a coordinator that dies is reported instead of waited for.
            TrainCommand.PrintNotice(reading);
            client.Watch(client.LastSender);
            do
            {
                accepted = await client.Next(PrepareWait, "the coordinator to read the job's data");
            }
            while (accepted is JobNotice);

            if (accepted is Terminated)
            {
                throw new DtrainException($"the coordinator at {cluster} stopped while it read the job's data; submit the job again");
            }
        }

        if (accepted is JobFailed rejected)
        {
            throw new DtrainException($"the cluster at {cluster} rejected {file}: {rejected.Reason}");
        }

        var job = accepted as JobAccepted ?? throw new DtrainException($"unexpected answer {accepted.GetType().Name} from {cluster}");
        client.Watch(job.Coordinator);
        Console.WriteLine(model is null
            ? $"dtrain: {file} (shapes fitted to the data by the coordinator) submitted to {cluster} as {job.JobId}: {job.Description}"
            : $"dtrain: {model.Spec.Name} ({model.ParameterCount:N0} parameters) submitted to {cluster} as {job.JobId}: {job.Description}");
        EpochTable.Console.Start(Dtrain.Models.Data.LearningTask.Classification, validation: false, test: true, phase: model?.Program.Written ?? false); // a row of another task prints its own header

        var progress = ProgressLine.ForConsole();
        DateTime? coordinatorGone = null;
        while (true)
        {
            // A job may wait minutes for nodes; the coordinator fails it itself after its own limit. After the coordinator
            // stopped, a new one has the takeover wait to say it resumed the job.
            var wait = coordinatorGone is { } since ? TakeoverWait - (DateTime.UtcNow - since) : TimeSpan.FromMinutes(30);
            object next;
            try
            {
                next = await client.Next(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1), "the job's progress");
            }
            catch (DtrainException) when (coordinatorGone is not null)
            {
                throw new DtrainException($"job {job.JobId} failed: the coordinator stopped and no new one resumed the job within {TakeoverWait.TotalSeconds:F0} s");
            }

            if (next is not Terminated && coordinatorGone is not null)
            {
                coordinatorGone = null;
                client.Watch(client.LastSender);
            }

            switch (next)
            {
                case JobNotice n:
                    progress.Clear();
                    TrainCommand.PrintNotice(n);
                    break;
                case TrainingProgress p:
                    progress.Show(p);
                    break;
                case EpochCompleted e:
                    progress.Clear();
                    TrainCommand.PrintEpoch(e);
                    break;
                case JobCompleted result:
                    progress.Clear();
                    TrainCommand.PrintSummary(result);
                    if (summaryPath is not null)
                    {
                        TrainCommand.WriteSummary(summaryPath, result);
                        Console.WriteLine($"summary written to {summaryPath}");
                    }

                    TrainCommand.CheckFinalCheckpoint(result);
                    return 0;
                case JobFailed failed:
                    progress.Clear();
                    throw new DtrainException($"job {job.JobId} failed: {failed.Reason}");
                case Terminated:
                    progress.Clear();
                    Console.Error.WriteLine($"dtrain: warning: the coordinator of job {job.JobId} stopped or became unreachable; waiting up to {TakeoverWait.TotalSeconds:F0} s for a new one to resume the job");
                    coordinatorGone = DateTime.UtcNow;
                    break;
            }
        }
    }

    /// <summary>
    /// The submission travels as one Akka.Remote message: one larger than the transport's frame would be dropped on
    /// the way with only a log line, so it is refused here, naming the file and both sizes.
    /// </summary>
    private static void CheckFitsOneMessage(string file, string modelJson, IReadOnlyList<string> trainArgs)
    {
        const int Envelope = 4096; // actor paths, the submission id, MessagePack headers
        var bytes = (long)System.Text.Encoding.UTF8.GetByteCount(modelJson) + System.Text.Encoding.UTF8.GetByteCount(file)
            + trainArgs.Sum(a => (long)System.Text.Encoding.UTF8.GetByteCount(a) + 5) + Envelope;
        if (bytes > Protocol.Serialization.WireConfig.MaxFrameBytes)
        {
            throw new DtrainException($"{file}: the submission would be {bytes:N0} bytes; the cluster transport carries at most {Protocol.Serialization.WireConfig.MaxFrameBytes:N0} bytes per message");
        }
    }

    /// <summary>The train flags with the data flags' paths (<c>--train</c>, <c>--test</c>, <c>--validation</c>) made absolute from this folder.</summary>
    private static List<string> AbsoluteDataPaths(List<string> args)
    {
        var result = new List<string>(args.Count);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i].Split('=', 2)[0];
            if (!TrainData.PathFlags.Contains(name))
            {
                result.Add(args[i]);
            }
            else if (args[i].Contains('=', StringComparison.Ordinal))
            {
                result.Add($"{name}={TrainData.JournaledValue(name, args[i][(name.Length + 1)..])}");
            }
            else
            {
                result.Add(args[i]);
                if (i + 1 < args.Count)
                {
                    result.Add(TrainData.JournaledValue(name, args[++i]));
                }
            }
        }

        return result;
    }

    /// <summary>Splits the arguments into the client's own (with the model file) and the train flags.</summary>
    private static (List<string> Client, List<string> Train) SplitArgs(IReadOnlyList<string> args)
    {
        var client = new List<string>();
        var train = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            var name = a.Split('=', 2)[0];
            var target = !a.StartsWith("--", StringComparison.Ordinal) || ClientFlags.Contains(name) ? client : train;
            target.Add(a);
            if (a.StartsWith("--", StringComparison.Ordinal) && !a.Contains('=', StringComparison.Ordinal) && i + 1 < args.Count && !CommandLine.Switches.Contains(a))
            {
                target.Add(args[++i]);
            }
        }

        return (client, train);
    }
}
