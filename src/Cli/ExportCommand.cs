// dtrain export: reads a job's checkpoint (every shard's snapshot) from its database and writes one self-contained
// trained-model file, which eval and predict use with no cluster running.
using System.Globalization;
using Akka.Actor;
using Akka.Persistence;
using Dtrain.Models;
using Dtrain.Models.Graph;
using Dtrain.Protocol;
using Dtrain.Protocol.Persistence;
using Dtrain.Protocol.Serialization;

namespace Dtrain.Cli;

/// <summary>The <c>export</c> subcommand.</summary>
public static class ExportCommand
{
    /// <summary>
    /// <c>dtrain export runs/JOB [--checkpoint ID | --best] [--output FILE]</c> (or <c>JOB --db CONN</c>): the newest
    /// checkpoint, the one named, or the best one on validation.
    /// </summary>
    public static async Task<int> Run(CommandLine cl)
    {
        var target = cl.Single("job folder or job id");
        var local = LocalOptions.Parse(cl);
        var wanted = cl.Int("--checkpoint");
        var best = cl.Flag("--best");
        var output = cl.String("--output");
        cl.RejectUnknown();
        if (best && wanted is not null)
        {
            throw new UsageException("export takes --checkpoint ID or --best, not both");
        }

        var (jobId, storage, folder) = ResumeCommand.Locate(target, local);
        var record = await LocalJob.ReadJournalAsync(storage, jobId)
            ?? throw new DtrainException($"{storage.Describe()} holds no job '{jobId}'");
        if (record.Checkpoints.Count == 0)
        {
            throw new DtrainException($"job {jobId} has no complete checkpoint to export");
        }

        var checkpoint = wanted is { } id
            ? record.Checkpoints.FirstOrDefault(c => c.Id == id) ?? throw new DtrainException($"job {jobId} keeps checkpoints {string.Join(", ", record.Checkpoints.Select(c => c.Id))}; {id} is not one of them")
            : best
                ? record.Best ?? throw new DtrainException($"job {jobId} has no best checkpoint: the best epoch is chosen on a validation set, and this job had none (or no epoch-end checkpoint of its best epoch completed); export without --best for the newest checkpoint")
                : record.Checkpoints[^1];
        var submitted = record.Submitted!;
        var model = ModelCompiler.Compile(ModelParser.Parse(submitted.ModelJson, submitted.ModelFile));
        var settings = TrainCommand.ApplyOverrides(model.Spec.Training, CommandLine.Parse(submitted.TrainArgs));
        var parameters = await LoadParametersAsync(storage, jobId, model, settings, checkpoint.Id);

        var origin = new Dictionary<string, string>
        {
            ["job"] = jobId,
            ["checkpoint"] = checkpoint.Id.ToString(CultureInfo.InvariantCulture),
            ["epochs_trained"] = (checkpoint.History.Length > 0 ? checkpoint.History[^1].Epoch : 0).ToString(CultureInfo.InvariantCulture),
            ["steps"] = checkpoint.Steps.ToString(CultureInfo.InvariantCulture),
            ["test_accuracy"] = checkpoint.History.Length > 0 ? checkpoint.History[^1].TestAccuracy.ToString("R", CultureInfo.InvariantCulture) : "",
            ["taken_utc"] = checkpoint.TakenUtc.ToString("O", CultureInfo.InvariantCulture),
            ["best"] = checkpoint.Best ? "true" : "false",
        };
        if (checkpoint.History.Length > 0)
        {
            foreach (var (name, value) in RunSummary.Figures(checkpoint.History[^1].Validation))
            {
                origin[$"val_{name}"] = value.ToString("R", CultureInfo.InvariantCulture);
            }
        }

        var path = output ?? Path.Combine(folder ?? ".", $"{jobId}.dtmodel");
        // The schema goes with the weights: eval and predict encode raw inputs exactly as training did.
        var schema = submitted.Schema($"{storage.Describe()}: job {jobId}'s journal");
        new TrainedModel(Path.GetFileName(submitted.ModelFile), submitted.ModelJson, parameters, origin, schema).Write(path);

        var table = new Table("export", "value");
        table.Add("job", jobId);
        table.Add("checkpoint", string.Create(CultureInfo.InvariantCulture, $"{checkpoint.Id} (resumes at epoch {checkpoint.Epoch}, step {checkpoint.Steps:N0}){(checkpoint.Best ? $", the best on validation (epoch {checkpoint.History[^1].Epoch})" : "")}"));
        if (checkpoint.History.Length > 0)
        {
            foreach (var (name, value) in RunSummary.Figures(checkpoint.History[^1].Validation))
            {
                table.Add($"validation {RunSummary.Label(name, checkpoint.History[^1].Validation)} then", RunSummary.Show(name, value));
            }
        }

        // The test figures of the job's task: an unsupervised job (a GAN, an RBM) has a loss, not an accuracy.
        var test = checkpoint.History.Length > 0 ? checkpoint.History[^1].Test : null;
        if (test is not null)
        {
            foreach (var (name, value) in RunSummary.Figures(test))
            {
                table.Add($"test {RunSummary.Label(name, test)} then", RunSummary.Show(name, value));
            }
        }
        else
        {
            table.Add("test accuracy then", checkpoint.History.Length > 0 ? checkpoint.History[^1].TestAccuracy.ToString("P2", CultureInfo.InvariantCulture) : "not evaluated yet");
        }
        table.Add("parameters", parameters.Length.ToString("N0", CultureInfo.InvariantCulture));
        table.Add("written to", $"{path} ({new FileInfo(path).Length / 1e6:F1} MB)");
        table.Print(Console.Out);
        return 0;
    }

    /// <summary>
    /// The flat parameter vector of checkpoint <paramref name="checkpoint"/>: each shard's snapshot, verified, scattered
    /// back by the placement the job used. A missing or corrupt snapshot is an error naming it.
    /// </summary>
    public static async Task<float[]> LoadParametersAsync(Storage storage, string jobId, CompiledModel model, TrainingSettings settings, long checkpoint)
    {
        var placement = ChunkPlacement.Plan(model, settings.ChunkSize, settings.PsShards);
        var flat = new float[model.ParameterCount];
        storage.Prepare();
        var system = ActorSystem.Create("dtrain-export", storage.ToConfig().WithFallback(WireConfig.SingleProcess(false)));
        try
        {
            var store = Akka.Persistence.Persistence.Instance.Apply(system).SnapshotStoreFor(null);
            for (var s = 0; s < placement.Length; s++)
            {
                var pid = ShardSnapshot.PersistenceId(jobId, s);
                var name = $"checkpoint {checkpoint} of shard {s} ({pid})";
                var answer = await store.Ask<object>(new LoadSnapshot(pid, new SnapshotSelectionCriteria(checkpoint, DateTime.MaxValue, checkpoint, DateTime.MinValue), checkpoint), TimeSpan.FromMinutes(2));
                if (answer is not LoadSnapshotResult { Snapshot: { Snapshot: byte[] bytes } offer } || offer.Metadata.SequenceNr != checkpoint)
                {
                    throw new DtrainException($"{name} is missing from {storage.Describe()}");
                }

                var snapshot = ShardSnapshot.Read(bytes, name);
                if (snapshot.Values.Length != ChunkPlacement.Floats(placement[s]))
                {
                    throw new DtrainException($"{name} holds {snapshot.Values.Length:N0} floats but the job places {ChunkPlacement.Floats(placement[s]):N0} on that shard");
                }

                ChunkPlacement.Scatter(snapshot.Values, placement[s], flat);
            }

            return flat;
        }
        finally
        {
            await system.Terminate();
        }
    }
}
