// dtrain resume: carries on a job whose process died (or was stopped) from its last complete checkpoint.
using Dtrain.Coordinator;
using Dtrain.Models;
using Dtrain.Models.Graph;

namespace Dtrain.Cli;

/// <summary>The <c>resume</c> subcommand.</summary>
public static class ResumeCommand
{
    /// <summary>
    /// <c>dtrain resume runs/JOB</c> (the job folder <c>train</c> printed) or <c>dtrain resume JOB --db CONN</c>. The job's
    /// model and setting flags come from its journal; flags given here override them (e.g. <c>--epochs 5</c> trains on).
    /// </summary>
    public static async Task<int> Run(IReadOnlyList<string> args)
    {
        var cl = CommandLine.Parse(args);
        var target = cl.Single("job folder or job id");
        var local = LocalOptions.Parse(cl);
        var (jobId, storage, folder) = Locate(target, local);

        // The job goes on writing into the folder it was found in.
        local = folder is null ? local : local with { CheckpointDir = Path.GetDirectoryName(Path.GetFullPath(folder))! };
        var record = await LocalJob.ReadJournalAsync(storage, jobId)
            ?? throw new DtrainException($"{storage.Describe()} holds no job '{jobId}' (nothing was journaled under dtrain/{jobId}/job)");
        if (record.Ended is { State: "completed" } ended)
        {
            Console.WriteLine($"dtrain: job {jobId} already completed ({ended.Detail}); nothing to resume");
            return 0;
        }

        var submitted = record.Submitted!;
        var model = ModelCompiler.Compile(ModelParser.Parse(submitted.ModelJson, submitted.ModelFile));

        // The journaled flags first, then this command's: the later value of a flag wins.
        var merged = CommandLine.Parse([.. submitted.TrainArgs, .. args]);
        var settings = TrainCommand.ApplyOverrides(model.Spec.Training, merged, submitted.ModelFile);
        LocalOptions.Parse(merged);
        merged.Flag("--no-checkpoint");
        DeviceOption.Read(merged);
        merged.RejectUnknown();
        settings.Validate("journaled and command-line flags");
        JobScale.Check(model, settings, "journaled and command-line flags", oneProcess: true);
        local.CheckPaths();
        // The journaled schema, not one learned again: the resumed job encodes its data exactly as before.
        var schema = submitted.DataSchemaJson is null ? null : submitted.Schema($"{storage.Describe()}: job {jobId}'s journal");
        var job = new JobSpec(jobId, submitted.ModelFile, submitted.ModelJson, model, settings, TrainCommand.SettingArgs([.. submitted.TrainArgs, .. args]), schema);
        var newest = record.Checkpoints.Count > 0 ? record.Checkpoints[^1] : null;
        Console.WriteLine(newest is null
            ? $"dtrain: resuming {jobId}: no complete checkpoint, so it starts over"
            : $"dtrain: resuming {jobId} from checkpoint {newest.Id} (epoch {newest.Epoch}, step {newest.Steps:N0}); {record.StepsSinceCheckpoint:N0} step(s) journaled after it are trained again");
        return await TrainCommand.Execute(job, local, new ResumePlan(record.Checkpoints, record.StepsSinceCheckpoint, "dtrain resume"));
    }

    /// <summary>A job named by its folder (holding dtrain.db) or, with --db, by its id: its id, database and folder.</summary>
    internal static (string JobId, Protocol.Persistence.Storage Storage, string? Folder) Locate(string target, LocalOptions local)
    {
        var folder = target.TrimEnd('/', Path.DirectorySeparatorChar);
        var sqlite = Path.Combine(folder, "dtrain.db");
        if (string.IsNullOrWhiteSpace(local.Database))
        {
            if (File.Exists(sqlite))
            {
                return (Path.GetFileName(folder), Protocol.Persistence.Storage.Sqlite(sqlite), folder);
            }

            var underRuns = Path.Combine(local.CheckpointDir, folder, "dtrain.db");
            if (File.Exists(underRuns))
            {
                return (Path.GetFileName(folder), Protocol.Persistence.Storage.Sqlite(underRuns), Path.Combine(local.CheckpointDir, folder));
            }

            throw new DtrainException($"{target}: no job folder with a dtrain.db here or under {local.CheckpointDir}/ (give the folder dtrain train printed, or --db for a PostgreSQL job)");
        }

        return (Path.GetFileName(folder), local.StorageFor(Path.GetFileName(folder)), null);
    }
}
