// Training defaults a model or job file carries; command-line flags override them field by field.
using Dtrain.Models.Optimizers;

namespace Dtrain.Models.Graph;

/// <summary>Hyperparameters and cluster shape of a training job.</summary>
public sealed record TrainingSettings
{
    /// <summary>Data set name (<c>mnist</c>).</summary>
    public string Dataset { get; init; } = "mnist";

    /// <summary>Optimizer applied at the parameter servers.</summary>
    public OptimizerSettings Optimizer { get; init; } = new("adam", 1e-3f);

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

        return !(Optimizer.LearningRate > 0) || float.IsInfinity(Optimizer.LearningRate)
            ? $"training.lr must be a positive number, got {Optimizer.LearningRate}"
            : null;
    }
}
