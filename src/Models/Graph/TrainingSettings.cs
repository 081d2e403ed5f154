// Training defaults a model or job file carries; command-line flags override them field by field.
using Dtrain.Models.Optimizers;

namespace Dtrain.Models.Graph;

/// <summary>Hyperparameters and cluster shape of a training job.</summary>
public sealed record TrainingSettings
{
    /// <summary>Data set name (<c>mnist</c>): the built-in download; <see cref="Data"/> names the user's own files.</summary>
    public string Dataset { get; init; } = "mnist";

    /// <summary>The user's data (<c>training.data</c>); the default reads the built-in MNIST.</summary>
    public Data.DataSpec Data { get; init; } = new();

    /// <summary>Optimizer applied at the parameter servers.</summary>
    public OptimizerSettings Optimizer { get; init; } = new("adam");

    /// <summary>Examples per minibatch.</summary>
    public int Batch { get; init; } = 128;

    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Worker actors (model replicas).</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Parameter-server shards.</summary>
    public int PsShards { get; init; } = 1;

    /// <summary>Seed for initialization and data order.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Downpour: a worker pulls fresh parameters every this many steps.</summary>
    public int FetchEvery { get; init; } = 1;

    /// <summary>Downpour: a worker pushes its accumulated gradients every this many steps.</summary>
    public int PushEvery { get; init; } = 1;

    /// <summary>Training examples in one partition (the unit of work handed to a worker).</summary>
    public int PartitionSize { get; init; } = 6400;

    /// <summary>Floats per parameter chunk (the unit of placement on shards).</summary>
    public int ChunkSize { get; init; } = 65536;

    /// <summary>
    /// Largest global L2 norm of the gradient a worker pushes; a larger gradient is scaled down to it
    /// (the norm is over the whole gradient, so only the worker, not a shard, can take it). 0 turns clipping off.
    /// </summary>
    public float ClipNorm { get; init; }

    /// <summary>Training mode: <c>async</c> (Downpour, the default), <c>ssp</c> (bounded staleness) or <c>sync</c> (rounds with backup workers).</summary>
    public TrainingMode Mode { get; init; } = TrainingMode.Async;

    /// <summary>ssp: a worker never starts a step on parameters more than this many versions behind the newest it has heard of.</summary>
    public int Staleness { get; init; } = 3;

    /// <summary>sync: of the workers, this many are backups; each round averages the first (workers - backup_workers) pushes.</summary>
    public int BackupWorkers { get; init; }

    /// <summary>
    /// Whether a worker sends each shard its gradients as soon as backward has finished them, overlapping the push
    /// with the rest of backward (off: one push after the whole backward, for comparison). Gradient clipping needs
    /// the whole gradient first, so with <see cref="ClipNorm"/> set the push always waits.
    /// </summary>
    public bool OverlapPush { get; init; } = true;

    /// <summary>Whether the job writes checkpoints (at each epoch end, and as often as the two fields below say).</summary>
    public bool Checkpoint { get; init; } = true;

    /// <summary>Also checkpoint once this many steps have been trained since the last one (0: off); checked as partitions finish.</summary>
    public int CheckpointEverySteps { get; init; }

    /// <summary>Also checkpoint once this many seconds have passed since the last one (0: off).</summary>
    public int CheckpointEverySeconds { get; init; }

    /// <summary>Complete checkpoints kept; older ones are deleted once a newer one is complete.</summary>
    public int CheckpointKeep { get; init; } = 3;

    /// <summary>Stop once a validation figure has not improved for a while (null: train every epoch).</summary>
    public Metrics.EarlyStopping? EarlyStopping { get; init; }

    /// <summary>Classification: the k of the top-k accuracy reported beside accuracy (0: off; ignored when k covers every class).</summary>
    public int TopK { get; init; } = 5;

    /// <summary>The validation figure "best" is chosen on: the early-stopping monitor, else <c>val_loss</c>.</summary>
    public string BestMonitor => EarlyStopping?.Monitor ?? "val_loss";

    /// <summary>
    /// Updates each shard applies over the run on <paramref name="examples"/> training examples: every push
    /// reaches every shard, and a worker pushes every <see cref="PushEvery"/> steps and at the end of each partition.
    /// </summary>
    public long UpdatesPerShard(int examples)
    {
        long Pushes(int partition) => partition == 0 ? 0 : (((partition + Batch - 1) / Batch) + PushEvery - 1) / PushEvery;
        return (long)Epochs * (((long)(examples / PartitionSize) * Pushes(PartitionSize)) + Pushes(examples % PartitionSize));
    }

    /// <summary>These settings with a cosine schedule's "whole run" (steps 0) replaced by <see cref="UpdatesPerShard"/>.</summary>
    public TrainingSettings WithScheduleResolved(int examples) =>
        Optimizer.Schedule is { Kind: ScheduleKind.Cosine, Steps: 0 } s
            ? this with { Optimizer = Optimizer with { Schedule = s with { Steps = UpdatesPerShard(examples) } } }
            : this;

    /// <summary>Checks every field and names the first one out of range, prefixed by <paramref name="source"/>.</summary>
    public void Validate(string source)
    {
        if (FirstProblem() is { } problem)
        {
            throw new DtrainException($"{source}: {problem}");
        }
    }

    /// <summary>The first field out of range, e.g. <c>training.batch must be positive, got -5</c>; null when all are valid.</summary>
    public string? FirstProblem()
    {
        (int Value, string Field)[] counts =
        [
            (Batch, "batch"), (Epochs, "epochs"), (Workers, "workers"), (PsShards, "ps_shards"), (FetchEvery, "n_fetch"),
            (PushEvery, "n_push"), (PartitionSize, "partition_size"), (ChunkSize, "chunk_size"),
        ];
        foreach (var (value, field) in counts)
        {
            if (value <= 0)
            {
                return $"training.{field} must be positive, got {value}";
            }
        }

        if (!Optimizers.Optimizers.Known.Contains(Optimizer.Type, StringComparer.OrdinalIgnoreCase))
        {
            return $"training.optimizer '{Optimizer.Type}' is not known; known: {string.Join(", ", Optimizers.Optimizers.Known)}";
        }

        if (Optimizer.LearningRate is { } lr && (!(lr > 0) || float.IsInfinity(lr)))
        {
            return $"training.lr must be a positive number, got {lr}";
        }

        if (!(ClipNorm >= 0) || float.IsInfinity(ClipNorm))
        {
            return $"training.clip_norm must be zero (off) or a positive number, got {ClipNorm}";
        }

        if (CheckpointEverySteps < 0 || CheckpointEverySeconds < 0)
        {
            return $"training.checkpoint_every_steps and checkpoint_every_seconds must be zero (off) or positive, got {CheckpointEverySteps} and {CheckpointEverySeconds}";
        }

        if (CheckpointKeep < 1)
        {
            return $"training.checkpoint_keep must be at least 1, got {CheckpointKeep}";
        }

        if (Staleness < 0)
        {
            return $"training.staleness must be zero or positive, got {Staleness}";
        }

        if (BackupWorkers < 0 || (BackupWorkers > 0 && BackupWorkers >= Workers))
        {
            return $"training.backup_workers must be between 0 and workers - 1 ({Workers - 1}), got {BackupWorkers}";
        }

        if (BackupWorkers > 0 && Mode != TrainingMode.Sync)
        {
            return $"training.backup_workers applies to mode sync only, but mode is {Mode.Name()}";
        }

        if (TopK < 0)
        {
            return $"training.top_k must be zero (off) or positive, got {TopK}";
        }

        if (EarlyStopping?.FirstProblem() is { } stopProblem)
        {
            return stopProblem;
        }

        if (Data.FirstProblem() is { } dataProblem)
        {
            return dataProblem;
        }

        return Optimizer.Schedule?.FirstProblem(Optimizer.EffectiveLearningRate) is { } problem ? $"training.{problem}" : null;
    }
}
