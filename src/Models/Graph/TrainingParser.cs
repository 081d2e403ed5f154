// Reads the optional "training" section of a model or job file into TrainingSettings.
using System.Text.Json;
using Dtrain.Models.Optimizers;

namespace Dtrain.Models.Graph;

/// <summary>Parses <c>"training": {...}</c>; unknown fields are errors so typos do not pass silently.</summary>
public static class TrainingParser
{
    private static readonly string[] Known =
    [
        "dataset", "optimizer", "lr", "momentum", "beta1", "beta2", "epsilon", "weight_decay", "batch", "epochs",
        "workers", "ps_shards", "seed", "n_fetch", "n_push", "partition_size", "chunk_size", "alpha", "rho", "clip_norm",
        "mode", "staleness", "backup_workers", "checkpoint", "checkpoint_every_steps", "checkpoint_every_seconds", "checkpoint_keep", "overlap_push",
        "lr_schedule",
    ];

    private const string Section = "training.lr_schedule";

    private static readonly string[] KnownScheduleFields = ["type", "warmup", "gamma", "step_size", "steps", "min_lr"];

    /// <summary>Parses the section; <paramref name="file"/> names the source in errors.</summary>
    public static TrainingSettings Parse(JsonElement t, string file)
    {
        if (t.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFileException(file, null, "\"training\" must be an object");
        }

        foreach (var p in t.EnumerateObject())
        {
            if (!Known.Contains(p.Name))
            {
                throw new ModelFileException(file, null, $"unknown field training.{p.Name}; known: {string.Join(", ", Known)}");
            }
        }

        var d = new TrainingSettings();
        var o = d.Optimizer;
        var optimizer = new OptimizerSettings(
            Str(t, "optimizer", file) ?? o.Type,
            Num(t, "lr", file) ?? o.LearningRate,
            Num(t, "momentum", file) ?? o.Momentum,
            Num(t, "beta1", file) ?? o.Beta1,
            Num(t, "beta2", file) ?? o.Beta2,
            Num(t, "epsilon", file) ?? o.Epsilon,
            Num(t, "weight_decay", file) ?? o.WeightDecay,
            Num(t, "alpha", file) ?? o.Alpha,
            Num(t, "rho", file) ?? o.Rho,
            t.TryGetProperty("lr_schedule", out var schedule) ? ParseSchedule(schedule, file) : o.Schedule);
        var settings = new TrainingSettings
        {
            Dataset = Str(t, "dataset", file) ?? d.Dataset,
            Optimizer = optimizer,
            Batch = Int(t, "batch", file) ?? d.Batch,
            Epochs = Int(t, "epochs", file) ?? d.Epochs,
            Workers = Int(t, "workers", file) ?? d.Workers,
            PsShards = Int(t, "ps_shards", file) ?? d.PsShards,
            Seed = Int(t, "seed", file) ?? d.Seed,
            FetchEvery = Int(t, "n_fetch", file) ?? d.FetchEvery,
            PushEvery = Int(t, "n_push", file) ?? d.PushEvery,
            PartitionSize = Int(t, "partition_size", file) ?? d.PartitionSize,
            ChunkSize = Int(t, "chunk_size", file) ?? d.ChunkSize,
            ClipNorm = Num(t, "clip_norm", file) ?? d.ClipNorm,
            Mode = Str(t, "mode", file) ?? d.Mode,
            Staleness = Int(t, "staleness", file) ?? d.Staleness,
            BackupWorkers = Int(t, "backup_workers", file) ?? d.BackupWorkers,
            Checkpoint = Bool(t, "checkpoint", file) ?? d.Checkpoint,
            OverlapPush = Bool(t, "overlap_push", file) ?? d.OverlapPush,
            CheckpointEverySteps = Int(t, "checkpoint_every_steps", file) ?? d.CheckpointEverySteps,
            CheckpointEverySeconds = Int(t, "checkpoint_every_seconds", file) ?? d.CheckpointEverySeconds,
            CheckpointKeep = Int(t, "checkpoint_keep", file) ?? d.CheckpointKeep,
        };
        // A bad value is a fault of this file, so it raises the same error type as every other model-file problem.
        return settings.FirstProblem() is { } problem ? throw new ModelFileException(file, null, problem) : settings;
    }

    /// <summary>
    /// <c>"lr_schedule": "exponential"</c> or <c>{"type": "cosine", "steps": 1400, "warmup": 100, "min_lr": 1e-5}</c>;
    /// fields: type (constant, step, exponential, cosine), warmup, gamma, step_size, steps, min_lr.
    /// </summary>
    public static LearningRateSchedule ParseSchedule(JsonElement s, string file)
    {
        if (s.ValueKind == JsonValueKind.String)
        {
            return new LearningRateSchedule(Kind(s.GetString()!, file));
        }

        if (s.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFileException(file, null, $"training.lr_schedule must be a schedule name or an object with a \"type\", got {s.GetRawText()}");
        }

        foreach (var p in s.EnumerateObject())
        {
            if (!KnownScheduleFields.Contains(p.Name))
            {
                throw new ModelFileException(file, null, $"unknown field training.lr_schedule.{p.Name}; known: {string.Join(", ", KnownScheduleFields)}");
            }
        }

        var d = new LearningRateSchedule();
        return new LearningRateSchedule(
            Str(s, "type", file, Section) is { } type ? Kind(type, file) : d.Kind,
            Int(s, "warmup", file, Section) ?? d.Warmup,
            Num(s, "gamma", file, Section) ?? d.Gamma,
            Int(s, "step_size", file, Section) ?? d.StepSize,
            Int(s, "steps", file, Section) ?? d.Steps,
            Num(s, "min_lr", file, Section) ?? d.MinLearningRate);
    }

    private static ScheduleKind Kind(string name, string file) =>
        LearningRateSchedule.ParseKind(name)
        ?? throw new ModelFileException(file, null, $"training.lr_schedule type '{name}' is not known; known: {string.Join(", ", LearningRateSchedule.KindNames)}");

    private static string? Str(JsonElement t, string name, string file, string section = "training") =>
        !t.TryGetProperty(name, out var v) ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString()
        : throw new ModelFileException(file, null, $"{section}.{name} must be a string, got {v.GetRawText()}");

    private static float? Num(JsonElement t, string name, string file, string section = "training") =>
        !t.TryGetProperty(name, out var v) ? null
        : v.ValueKind == JsonValueKind.Number ? v.GetSingle()
        : throw new ModelFileException(file, null, $"{section}.{name} must be a number, got {v.GetRawText()}");

    private static int? Int(JsonElement t, string name, string file, string section = "training") =>
        !t.TryGetProperty(name, out var v) ? null
        : v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i
        : throw new ModelFileException(file, null, $"{section}.{name} must be an integer, got {v.GetRawText()}");

    private static bool? Bool(JsonElement t, string name, string file) =>
        !t.TryGetProperty(name, out var v) ? null
        : v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean()
        : throw new ModelFileException(file, null, $"training.{name} must be true or false, got {v.GetRawText()}");
}
