// What a worker or evaluator reads examples from: an in-memory set or rows of an encoded file on disk.
namespace Dtrain.Models.Data;

/// <summary>
/// Encoded examples addressed by index: features (<see cref="FeatureSize"/> floats, row-major over
/// <see cref="FeatureShape"/>) and targets (<see cref="TargetSize"/> floats: a class id, regression targets, or the
/// features again for reconstruction). Implementations read only the rows asked for.
/// </summary>
public abstract class ExampleSource
{
    /// <summary>A name for messages and logs, such as <c>mnist-train</c> or a file name.</summary>
    public abstract string Name { get; }

    /// <summary>The number of examples.</summary>
    public abstract int Count { get; }

    /// <summary>The shape of one example; features are flattened row-major.</summary>
    public abstract int[] FeatureShape { get; }

    /// <summary>Floats per example's features (the product of <see cref="FeatureShape"/>).</summary>
    public int FeatureSize => FeatureShape.Aggregate(1, (size, d) => size * d);

    /// <summary>Floats per example's target.</summary>
    public abstract int TargetSize { get; }

    /// <summary>The task the targets are for.</summary>
    public abstract LearningTask Task { get; }

    /// <summary>Classification: the number of classes; 0 otherwise.</summary>
    public abstract int Classes { get; }

    /// <summary>
    /// Copies the examples at <paramref name="indices"/> into a batch, in order, without allocating.
    /// </summary>
    /// <param name="indices">The examples, each in <c>[0, Count)</c>; repeats are allowed.</param>
    /// <param name="features">Receives (B, FeatureSize): <c>indices.Length * FeatureSize</c> floats.</param>
    /// <param name="targets">Receives (B, TargetSize): <c>indices.Length * TargetSize</c> floats.</param>
    public abstract void Gather(ReadOnlySpan<int> indices, Span<float> features, Span<float> targets);

    /// <summary>Checks the batch spans' lengths against <paramref name="indices"/>; implementations call it first.</summary>
    protected void CheckBatch(ReadOnlySpan<int> indices, Span<float> features, Span<float> targets)
    {
        if (features.Length != (long)indices.Length * FeatureSize)
        {
            throw new ArgumentException($"Gather of {indices.Length} examples from '{Name}' needs {(long)indices.Length * FeatureSize} feature values, got {features.Length}.", nameof(features));
        }

        if (targets.Length != (long)indices.Length * TargetSize)
        {
            throw new ArgumentException($"Gather of {indices.Length} examples from '{Name}' needs {(long)indices.Length * TargetSize} target values, got {targets.Length}.", nameof(targets));
        }
    }
}
