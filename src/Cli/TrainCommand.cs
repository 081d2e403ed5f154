// dtrain train: loads the model and data, runs the job in one process, prints epochs and a summary table.
using System.Globalization;
using System.Text.Json;
using Dtrain.Cli.Telemetry;
using Dtrain.Coordinator;
using Dtrain.Models;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;
using Dtrain.Models.Optimizers;
using Dtrain.Protocol.Persistence;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Cli;

/// <summary>The <c>train</c> subcommand.</summary>
public static class TrainCommand
{
    /// <summary>The flags <see cref="ApplyOverrides"/> reads: what a job's journal keeps so a resumed job trains the same way.</summary>
    internal static readonly string[] SettingFlags =
    [
        "--workers", "--ps-shards", "--epochs", "--batch", "--seed", "--n-fetch", "--n-push", "--partition-size", "--clip-norm",
        "--mode", "--staleness", "--backup-workers", "--optimizer", "--lr", "--momentum", "--weight-decay", "--lr-schedule", "--warmup",
        "--checkpoint-steps", "--checkpoint-seconds", "--keep-checkpoints", "--no-overlap-push",
        .. TrainData.Flags,
    ];

    /// <summary>Runs the command; <paramref name="args"/> are its raw arguments (the setting flags among them are journaled).</summary>
    public static async Task<int> Run(CommandLine cl, IReadOnlyList<string> args)
    {
        var file = cl.Single("model or job file");
        if (File.Exists(file) && Cluster.JobFile.IsJobFile(file))
        {
            // A job file names the model and its flags (data included); the command line's own flags come after and win.
            var (modelFile, flags) = Cluster.JobFile.Read(file);
            var rest = args.ToList();
            rest.Remove(file);
            (file, args) = (modelFile, [modelFile, .. flags, .. rest]);
            cl = CommandLine.Parse(args);
        }

        var text = ReadModelText(file);

        // A model with "auto" shapes compiles once the data's schema is known; any other compiles (and fails) first.
        var model = AutoShapes.Has(text) ? null : ModelCompiler.Compile(ModelParser.Parse(text, file));
        var settings = ApplyOverrides(model?.Spec.Training ?? AutoShapes.Training(text, file), cl, file);
        var local = LocalOptions.Parse(cl);
        DeviceOption.Read(cl);
        cl.RejectUnknown();
        settings.Validate("command line");
        local.CheckPaths();
        var data = new Lazy<PreparedData>(() => TrainData.Prepare(settings, local.DataDir));
        if (model is null)
        {
            (text, model) = TrainData.Fit(text, file, data.Value.Schema);
        }

        JobScale.CheckName(model.Spec.Name, file);
        JobScale.Check(model, settings, "command line", oneProcess: true);
        ModelLimits.CheckBatch(model, settings.Batch, "batch");
        var jobId = NewJobId(model.Spec.Name, local.CheckpointDir);
        var job = new JobSpec(jobId, file, text, model, settings, SettingArgs(args));
        return await Execute(job, local, resume: null, data);
    }

    /// <summary>
    /// Checks the model's <c>init_from</c> before anything starts (the coordinator reads it again to load the shards) and
    /// says how many parameters start from the file.
    /// </summary>
    internal static void PrintInitFrom(CompiledModel model)
    {
        if (model.Spec.InitFrom is not { } init)
        {
            return;
        }

        var transfers = PretrainedParameters.Apply(model, new float[model.ParameterCount]);
        var shown = string.Join(", ", transfers.Take(6).Select(t => t.Parameter == t.Source ? t.Parameter : $"{t.Parameter} <- {t.Source}"));
        Console.WriteLine($"init_from: {transfers.Count} of {model.Parameters.Count} parameter tensor(s) start from {init.Resolve(model.Spec.File)}"
            + (transfers.Count == 0 ? "" : $" ({shown}{(transfers.Count > 6 ? ", ..." : "")})"));
    }

    /// <summary>The model file's text; a file that cannot be read is one line naming it.</summary>
    private static string ReadModelText(string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFileException(file, null, $"cannot read the file: {e.Message}");
        }
    }

    /// <summary>Trains <paramref name="job"/> in this process (from a checkpoint when <paramref name="resume"/> says so) and prints the run.</summary>
    /// <paramref name="data"/> is the job's data when already prepared (to resolve "auto" shapes); else it is prepared
    /// here, after the observers' ports are taken, so a port in use fails before the data is read.
    internal static async Task<int> Execute(JobSpec job, LocalOptions local, ResumePlan? resume, Lazy<PreparedData>? data = null)
    {
        var (model, settings, file) = (job.Model, job.Settings, job.ModelFile);
        if (settings.Dataset != "mnist")
        {
            throw new DtrainException($"{file}: training.dataset '{settings.Dataset}' is not known; known: mnist");
        }

        if (resume is null)
        {
            PrintInitFrom(model);
        }

        var storage = settings.Checkpoint ? local.StorageFor(job.JobId) : null;

        // Ports first: one in use fails the run before the data is loaded.
        using var observers = TrainObservers.Start(local.Observe, $"{model.Spec.Name}: {settings.Workers} worker(s), {settings.PsShards} PS shard(s)", Console.Out);
        using var prepared = (data ?? new Lazy<PreparedData>(() => TrainData.Prepare(settings, local.DataDir))).Value;
        var train = prepared.Train;
        ModelDataFit.Check(model, train, file);
        var test = prepared.Test;
        var o = settings.WithScheduleResolved(train.Count).Optimizer;
        Console.WriteLine($"dtrain: {model.Spec.Name} ({model.ParameterCount:N0} parameters) on {train.Count:N0} examples; "
            + $"{settings.Workers} worker(s) on {DeviceOption.Describe(Math.Max(1, Environment.ProcessorCount / settings.Workers))}, {settings.PsShards} PS shard(s); "
            + $"{o.Type} lr={o.EffectiveLearningRate.ToString(CultureInfo.InvariantCulture)}{Describe(o.Schedule)}{Describe(settings.ClipNorm)}, batch {settings.Batch}, {settings.Epochs} epoch(s){DescribeProgram(model.Program)}; mode {DescribeMode(settings)}");
        Console.WriteLine(storage is null
            ? "checkpoints: off"
            : $"job {job.JobId}: checkpoints in {storage.Describe()}; resume with: dtrain resume {local.ResumeTarget(job.JobId)}");
        EpochTable.Console.Start(train.Task, validation: prepared.Validation is not null, test: test is not null, phase: model.Program.Written);

        var progress = ProgressLine.ForConsole();
        JobCompleted result;
        try
        {
            result = await LocalJob.RunAsync(
                job,
                train,
                test,
                e => { progress.Clear(); PrintEpoch(e); observers.Epoch(e); },
                local.SerializeMessages,
                p => { progress.Show(p); observers.Progress(p); },
                storage,
                resume,
                n => { progress.Clear(); PrintNotice(n); },
                prepared.Validation,
                prepared.Schema);
        }
        catch (DtrainException)
        {
            await observers.FinishAsync(null, Console.Out);
            throw;
        }

        progress.Clear();
        var figures = ModelFigures.For(model, train);
        RunSummary.Print(result, Console.Out, figures);
        if (local.SummaryPath is { } summaryPath)
        {
            RunSummary.Write(summaryPath, result, figures);
            Console.WriteLine($"summary written to {summaryPath}");
        }

        await observers.FinishAsync(result, Console.Out);
        CheckFinalCheckpoint(result);
        return 0;
    }

    /// <summary>
    /// A run whose final checkpoint failed (a full disk, a database gone) has lost its result once the process ends:
    /// it fails, in one line, rather than exit 0 with nothing saved.
    /// </summary>
    internal static void CheckFinalCheckpoint(JobCompleted result)
    {
        if (result.FinalCheckpointMissing)
        {
            throw new DtrainException($"training ran to its end but the final checkpoint was not saved, so the trained parameters are not on disk (the last complete checkpoint is {(result.LastCheckpoint >= 0 ? result.LastCheckpoint.ToString(CultureInfo.InvariantCulture) : "none")}); see the checkpoint warnings above");
        }
    }

    /// <summary>A checkpoint or recovery notice: warnings to standard error, so a script sees them apart from the table.</summary>
    internal static void PrintNotice(JobNotice n)
    {
        if (n.Warning)
        {
            Console.Error.WriteLine($"dtrain: warning: {n.Text}");
        }
        else
        {
            Console.WriteLine($"  {n.Text}");
        }
    }

    /// <summary>A new job's id: the model's name and the time, unique among the job folders under <paramref name="checkpointDir"/>.</summary>
    internal static string NewJobId(string name, string checkpointDir)
    {
        var stem = $"{name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
        var id = stem;
        for (var n = 2; Directory.Exists(Path.Combine(checkpointDir, id)); n++)
        {
            id = $"{stem}-{n}";
        }

        return id;
    }

    /// <summary>The setting flags among <paramref name="args"/> (both <c>--flag value</c> and <c>--flag=value</c>), in order.</summary>
    public static string[] SettingArgs(IReadOnlyList<string> args)
    {
        var kept = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i].Split('=', 2)[0];
            if (!SettingFlags.Contains(name))
            {
                continue;
            }

            if (args[i].Contains('=', StringComparison.Ordinal))
            {
                kept.Add($"{name}={TrainData.JournaledValue(name, args[i][(name.Length + 1)..])}");
            }
            else
            {
                kept.Add(args[i]);
                if (!CommandLine.Switches.Contains(name) && i + 1 < args.Count)
                {
                    kept.Add(TrainData.JournaledValue(name, args[++i]));
                }
            }
        }

        return [.. kept];
    }

    /// <summary>
    /// Applies command-line flags over the model file's training section; relative data paths in the section are
    /// taken from <paramref name="modelFile"/>'s folder (the working folder when null).
    /// </summary>
    public static TrainingSettings ApplyOverrides(TrainingSettings s, CommandLine cl, string? modelFile = null)
    {
        var o = s.Optimizer;
        return s with
        {
            Workers = cl.Int("--workers") ?? s.Workers,
            PsShards = cl.Int("--ps-shards") ?? s.PsShards,
            Epochs = cl.Int("--epochs") ?? s.Epochs,
            Batch = cl.Int("--batch") ?? s.Batch,
            Seed = cl.Int("--seed") ?? s.Seed,
            FetchEvery = cl.Int("--n-fetch") ?? s.FetchEvery,
            PushEvery = cl.Int("--n-push") ?? s.PushEvery,
            PartitionSize = cl.Int("--partition-size") ?? s.PartitionSize,
            ClipNorm = cl.Float("--clip-norm") ?? s.ClipNorm,
            Mode = cl.String("--mode") is { } mode ? TrainingModes.Parse(mode) ?? throw new UsageException(TrainingModes.NotKnown("--mode", mode)) : s.Mode,
            Staleness = cl.Int("--staleness") ?? s.Staleness,
            BackupWorkers = cl.Int("--backup-workers") ?? s.BackupWorkers,
            Checkpoint = !cl.Flag("--no-checkpoint") && s.Checkpoint,
            OverlapPush = !cl.Flag("--no-overlap-push") && s.OverlapPush,
            CheckpointEverySteps = cl.Int("--checkpoint-steps") ?? s.CheckpointEverySteps,
            CheckpointEverySeconds = cl.Int("--checkpoint-seconds") ?? s.CheckpointEverySeconds,
            CheckpointKeep = cl.Int("--keep-checkpoints") ?? s.CheckpointKeep,
            Data = TrainData.Apply(s.Data, modelFile ?? Path.Combine(Directory.GetCurrentDirectory(), "model.json"), cl),
            Optimizer = o with
            {
                Type = cl.String("--optimizer") ?? o.Type,
                LearningRate = cl.Float("--lr") ?? o.LearningRate,
                Momentum = cl.Float("--momentum") ?? o.Momentum,
                WeightDecay = cl.Float("--weight-decay") ?? o.WeightDecay,
                Schedule = ScheduleOverride(o.Schedule, cl),
            },
        };
    }

    /// <summary>--lr-schedule sets the kind (keeping the file's other schedule fields), --warmup the warm-up.</summary>
    private static LearningRateSchedule? ScheduleOverride(LearningRateSchedule? schedule, CommandLine cl)
    {
        var kindName = cl.String("--lr-schedule");
        var warmup = cl.Int("--warmup");
        if (kindName is null && warmup is null)
        {
            return schedule;
        }

        var current = schedule ?? LearningRateSchedule.Constant;
        var kind = kindName is null
            ? current.Kind
            : LearningRateSchedule.ParseKind(kindName) ?? throw new UsageException($"--lr-schedule expects one of {string.Join(", ", LearningRateSchedule.KindNames)}, got '{kindName}'");
        return current with { Kind = kind, Warmup = warmup ?? current.Warmup };
    }

    private static string Describe(LearningRateSchedule? s) => s switch
    {
        null or { Kind: ScheduleKind.Constant, Warmup: 0 } => "",
        _ => string.Create(CultureInfo.InvariantCulture, $" ({LearningRateSchedule.KindNames[(int)s.Kind]}{(s.Kind == ScheduleKind.Cosine ? $" over {s.Steps:N0} updates" : "")}{(s.Warmup > 0 ? $", warm-up {s.Warmup}" : "")})"),
    };

    /// <summary>A program's phases with their epochs: <c> in 3 phases (a-only 1, alternate 2, b-only 1)</c>; empty without one.</summary>
    private static string DescribeProgram(TrainingProgram program) =>
        program.Written ? $" in {program.Phases.Count} phase(s) ({string.Join(", ", program.Phases.Select(p => $"{p.Name} {p.Epochs}"))})" : "";

    private static string Describe(float clipNorm) =>
        clipNorm > 0 ? string.Create(CultureInfo.InvariantCulture, $", clip norm {clipNorm}") : "";

    /// <summary>One line of the epoch table (<see cref="EpochTable"/>).</summary>
    internal static void PrintEpoch(EpochCompleted e) => EpochTable.Console.Row(e);

    /// <summary>The mode with its parameter: <c>async</c>, <c>ssp (staleness 3)</c>, <c>sync (3 workers, 1 backup)</c>.</summary>
    internal static string DescribeMode(TrainingSettings s) => s.Mode switch
    {
        TrainingMode.Ssp => $"ssp (staleness {s.Staleness})",
        TrainingMode.Sync => $"sync ({s.Workers} workers, {s.BackupWorkers} backup)",
        _ => s.Mode.Name(),
    };

    internal static void PrintSummary(JobCompleted r) => RunSummary.Print(r, Console.Out);

    internal static void WriteSummary(string path, JobCompleted r) => RunSummary.Write(path, r);
}
