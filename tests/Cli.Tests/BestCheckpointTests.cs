// The best checkpoint on validation: the journal marks it, keep-k never deletes it, and export --best writes it.
using Dtrain.Coordinator;
using Dtrain.Models;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;
using Dtrain.Protocol.Persistence;

namespace Dtrain.Cli.Tests;

public sealed class BestCheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-best-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Keep_k_keeps_the_best_checkpoint_and_export_best_writes_its_parameters()
    {
        // min_delta so large that no epoch improves on the first: epoch 1 is the best of three, checkpoint 1 its end.
        var (job, storage) = Job("""{"epochs": 3, "checkpoint_keep": 1, "early_stopping": {"monitor": "val_loss", "patience": 10, "min_delta": 1e9}}""");
        var validation = TinyJob.Data(128, 5);

        var result = await LocalJob.RunAsync(job, TinyJob.Data(256, 1), TinyJob.Data(128, 9), _ => { }, storage: storage, validationSet: validation);
        var record = await LocalJob.ReadJournalAsync(storage, job.JobId);
        var output = Path.Combine(_dir, "best.dtmodel");
        var exit = await ExportCommand.Run(CommandLine.Parse([Path.Combine(_dir, "runs", job.JobId), "--best", "--output", output]));

        Assert.Equal((1, 1L, 3L), (result.BestEpoch, result.BestCheckpoint, result.LastCheckpoint));
        Assert.Equal([1L, 3L], record!.Checkpoints.Select(c => c.Id)); // keep 1: the newest, and the best
        Assert.Equal(1L, record.Best!.Id);
        Assert.Equal(0, exit);
        var exported = TrainedModel.Read(output);
        Assert.Equal(("1", "true"), (exported.Origin["checkpoint"], exported.Origin["best"]));
        Assert.Equal(await ExportCommand.LoadParametersAsync(storage, job.JobId, job.Model, job.Settings, 1), exported.Parameters);
        Assert.NotEqual(await ExportCommand.LoadParametersAsync(storage, job.JobId, job.Model, job.Settings, 3), exported.Parameters);

        // The parameters written score on validation what epoch 1 reported.
        using var evaluator = new Evaluator(job.Model, null, 1);
        evaluator.Load(exported.Parameters);
        Assert.Equal(result.History[0].Validation!.Loss, evaluator.Score(validation).Loss, 12);
    }

    [Fact]
    public async Task Export_best_of_a_job_without_a_validation_set_is_refused_by_name()
    {
        var (job, storage) = Job("""{"epochs": 1}""");
        await LocalJob.RunAsync(job, TinyJob.Data(256, 1), TinyJob.Data(128, 9), _ => { }, storage: storage);

        var e = await Assert.ThrowsAsync<DtrainException>(() => ExportCommand.Run(CommandLine.Parse([Path.Combine(_dir, "runs", job.JobId), "--best"])));

        Assert.Equal($"job {job.JobId} has no best checkpoint: the best epoch is chosen on a validation set, and this job had none (or no epoch-end checkpoint of its best epoch completed); export without --best for the newest checkpoint", e.Message);
    }

    [Fact]
    public async Task Export_refuses_checkpoint_and_best_together()
    {
        var e = await Assert.ThrowsAsync<UsageException>(() => ExportCommand.Run(CommandLine.Parse([Path.Combine(_dir, "runs", "none"), "--best", "--checkpoint", "2"])));

        Assert.Equal("export takes --checkpoint ID or --best, not both", e.Message);
    }

    /// <summary>A tiny classification job (4 features, 3 classes) checkpointing into SQLite under the test's folder.</summary>
    private (JobSpec Job, Storage Storage) Job(string training)
    {
        var json = $$$"""
            {"name":"tiny","inputs":[{"name":"x","shape":[4]},{"name":"y","shape":[],"dtype":"int32"}],
             "nodes":[{"id":"fc1","op":"dense","inputs":["x"],"attrs":{"units":8,"weight_init":"he_uniform"}},
                      {"id":"h","op":"relu","inputs":["fc1"]},
                      {"id":"out","op":"dense","inputs":["h"],"attrs":{"units":3}},
                      {"id":"loss","op":"softmax_cross_entropy","inputs":["out","y"]}],
             "loss":"loss",
             "training": {"batch": 16, "partition_size": 128, "lr": 0.02, "workers": 1, {{{training[1..^1]}}}}}
            """;
        var file = Path.Combine(_dir, "tiny.json");
        File.WriteAllText(file, json);
        var model = ModelCompiler.Compile(ModelParser.Parse(json, file));
        var jobId = $"tiny-{Guid.NewGuid():N}";
        var storage = Storage.Parse(null, Path.Combine(_dir, "runs", jobId, "dtrain.db"));
        return (new JobSpec(jobId, file, json, model, model.Spec.Training), storage);
    }
}
