// What the cluster coordinator keeps of a job's training data: how many rows there are and their shapes, so it can
// cut partitions; the rows themselves are read by the workers, each from the files it reaches.
using Dtrain.Models.Data;

namespace Dtrain.Coordinator;

/// <summary>
/// An index of training examples without the examples: <see cref="ExampleSource.Count"/> and the shapes, for the
/// partition schedule and the learning-rate schedule. Reading rows from it is a bug (the coordinator never trains).
/// </summary>
public sealed class TrainingIndex : ExampleSource
{
    private readonly int _count;
    private readonly int[] _featureShape;
    private readonly int _targetSize;
    private readonly LearningTask _task;
    private readonly int _classes;

    /// <summary>An index over the same rows as <paramref name="examples"/>, which it does not keep.</summary>
    public TrainingIndex(ExampleSource examples)
    {
        ArgumentNullException.ThrowIfNull(examples);
        Name = $"{examples.Name} (index)";
        (_count, _featureShape, _targetSize, _task, _classes) = (examples.Count, examples.FeatureShape, examples.TargetSize, examples.Task, examples.Classes);
    }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <inheritdoc/>
    public override int Count => _count;

    /// <inheritdoc/>
    public override int[] FeatureShape => _featureShape;

    /// <inheritdoc/>
    public override int TargetSize => _targetSize;

    /// <inheritdoc/>
    public override LearningTask Task => _task;

    /// <inheritdoc/>
    public override int Classes => _classes;

    /// <inheritdoc/>
    public override void Gather(ReadOnlySpan<int> indices, Span<float> features, Span<float> targets) =>
        throw new InvalidOperationException($"{Name}: the coordinator holds an index of the training rows, not the rows; workers read them");
}
