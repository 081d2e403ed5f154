// Reads the optional "training" section of a model or job file into TrainingSettings.
using System.Text.Json;
using Dtrain.Models.Data;
using Dtrain.Models.Metrics;
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
        "lr_schedule", "data", "early_stopping", "top_k",
    ];

    private static readonly string[] KnownDataFields =
    [
        "train", "test", "validation", "validation_split", "format", "label", "task", "exclude", "normalize", "missing", "header",
        "resize", "color", "augment", "limit",
    ];

    private static readonly string[] KnownEarlyStoppingFields = ["monitor", "patience", "min_delta"];

    private static readonly string[] KnownAugmentFields = ["crop_padding", "flip"];

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
            Mode = Str(t, "mode", file) is { } mode ? TrainingModes.Parse(mode) ?? throw new ModelFileException(file, null, TrainingModes.NotKnown("training.mode", mode)) : d.Mode,
            Staleness = Int(t, "staleness", file) ?? d.Staleness,
            BackupWorkers = Int(t, "backup_workers", file) ?? d.BackupWorkers,
            Checkpoint = Bool(t, "checkpoint", file) ?? d.Checkpoint,
            OverlapPush = Bool(t, "overlap_push", file) ?? d.OverlapPush,
            CheckpointEverySteps = Int(t, "checkpoint_every_steps", file) ?? d.CheckpointEverySteps,
            CheckpointEverySeconds = Int(t, "checkpoint_every_seconds", file) ?? d.CheckpointEverySeconds,
            CheckpointKeep = Int(t, "checkpoint_keep", file) ?? d.CheckpointKeep,
            Data = t.TryGetProperty("data", out var data) ? ParseData(data, file) : d.Data,
            EarlyStopping = t.TryGetProperty("early_stopping", out var stop) ? ParseEarlyStopping(stop, file) : d.EarlyStopping,
            TopK = Int(t, "top_k", file) ?? d.TopK,
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

    /// <summary>
    /// <c>"data": {"train": "weather.csv", "label": "weather", "validation_split": 0.1, ...}</c>; see <see cref="DataSpec"/>.
    /// A label may be a column name or a 0-based index (a number or a numeric string).
    /// </summary>
    public static DataSpec ParseData(JsonElement s, string file)
    {
        const string section = "training.data";
        if (s.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFileException(file, null, $"{section} must be an object, got {s.GetRawText()}");
        }

        foreach (var p in s.EnumerateObject())
        {
            if (!KnownDataFields.Contains(p.Name))
            {
                throw new ModelFileException(file, null, $"unknown field {section}.{p.Name}; known: {string.Join(", ", KnownDataFields)}");
            }
        }

        var d = new DataSpec();
        string? label = null;
        if (s.TryGetProperty("label", out var l))
        {
            label = l.ValueKind switch
            {
                JsonValueKind.String when !string.IsNullOrWhiteSpace(l.GetString()) => l.GetString(),
                JsonValueKind.Number when l.TryGetInt32(out var i) && i >= 0 => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => throw new ModelFileException(file, null, $"{section}.label must be a column name or a 0-based column index, got {l.GetRawText()}"),
            };
        }

        LearningTask? task = null;
        if (Str(s, "task", file, section) is { } taskName)
        {
            task = LearningTasks.Parse(taskName)
                ?? throw new ModelFileException(file, null, $"{section}.task '{taskName}' is not known; known: {string.Join(", ", LearningTasks.Names)}");
        }

        var exclude = d.Exclude;
        if (s.TryGetProperty("exclude", out var e))
        {
            exclude = e.ValueKind == JsonValueKind.Array && e.EnumerateArray().All(x => x.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                ? e.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : x.GetRawText()).ToArray()
                : throw new ModelFileException(file, null, $"{section}.exclude must be an array of column names or indices, got {e.GetRawText()}");
        }

        int[]? resize = null;
        if (s.TryGetProperty("resize", out var r))
        {
            resize = r.ValueKind == JsonValueKind.Array && r.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt32(out _))
                ? r.EnumerateArray().Select(x => x.GetInt32()).ToArray()
                : throw new ModelFileException(file, null, $"{section}.resize must be [height, width], got {r.GetRawText()}");
        }

        var (cropPadding, flip) = (d.AugmentCropPadding, d.AugmentFlip);
        if (s.TryGetProperty("augment", out var a))
        {
            if (a.ValueKind != JsonValueKind.Object)
            {
                throw new ModelFileException(file, null, $"{section}.augment must be an object such as {{\"crop_padding\": 4, \"flip\": true}}, got {a.GetRawText()}");
            }

            foreach (var p in a.EnumerateObject())
            {
                if (!KnownAugmentFields.Contains(p.Name))
                {
                    throw new ModelFileException(file, null, $"unknown field {section}.augment.{p.Name}; known: {string.Join(", ", KnownAugmentFields)}");
                }
            }

            cropPadding = Int(a, "crop_padding", file, section + ".augment") ?? cropPadding;
            flip = Bool(a, "flip", file, section + ".augment") ?? flip;
        }

        var spec = new DataSpec
        {
            Train = Str(s, "train", file, section),
            Test = Str(s, "test", file, section),
            Validation = Str(s, "validation", file, section),
            ValidationSplit = Num(s, "validation_split", file, section) ?? d.ValidationSplit,
            Format = Str(s, "format", file, section),
            Label = label,
            Task = task,
            Exclude = exclude,
            Normalize = Str(s, "normalize", file, section),
            Missing = Str(s, "missing", file, section) ?? d.Missing,
            Header = Bool(s, "header", file, section),
            Resize = resize,
            Color = Str(s, "color", file, section),
            AugmentCropPadding = cropPadding,
            AugmentFlip = flip,
            Limit = Int(s, "limit", file, section) ?? d.Limit,
        };
        return spec.FirstProblem() is { } problem ? throw new ModelFileException(file, null, problem) : spec;
    }

    /// <summary><c>"early_stopping": {"monitor": "val_loss", "patience": 3, "min_delta": 0}</c>; every field optional.</summary>
    public static EarlyStopping ParseEarlyStopping(JsonElement s, string file)
    {
        const string section = "training.early_stopping";
        if (s.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFileException(file, null, $"{section} must be an object such as {{\"monitor\": \"val_loss\", \"patience\": 3}}, got {s.GetRawText()}");
        }

        foreach (var p in s.EnumerateObject())
        {
            if (!KnownEarlyStoppingFields.Contains(p.Name))
            {
                throw new ModelFileException(file, null, $"unknown field {section}.{p.Name}; known: {string.Join(", ", KnownEarlyStoppingFields)}");
            }
        }

        var d = new EarlyStopping();
        var stop = new EarlyStopping(
            Str(s, "monitor", file, section) ?? d.Monitor,
            Int(s, "patience", file, section) ?? d.Patience,
            Dbl(s, "min_delta", file, section) ?? d.MinDelta);
        return stop.FirstProblem() is { } problem ? throw new ModelFileException(file, null, problem) : stop;
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

    private static double? Dbl(JsonElement t, string name, string file, string section) =>
        !t.TryGetProperty(name, out var v) ? null
        : v.ValueKind == JsonValueKind.Number ? v.GetDouble()
        : throw new ModelFileException(file, null, $"{section}.{name} must be a number, got {v.GetRawText()}");

    private static int? Int(JsonElement t, string name, string file, string section = "training") =>
        !t.TryGetProperty(name, out var v) ? null
        : v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i
        : throw new ModelFileException(file, null, $"{section}.{name} must be an integer, got {v.GetRawText()}");

    private static bool? Bool(JsonElement t, string name, string file, string section = "training") =>
        !t.TryGetProperty(name, out var v) ? null
        : v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean()
        : throw new ModelFileException(file, null, $"{section}.{name} must be true or false, got {v.GetRawText()}");
}
