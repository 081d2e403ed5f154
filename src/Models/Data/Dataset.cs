// An in-memory data set (features flattened row-major; class ids or real-valued targets) and the
// batch gather that workers run once per step to build their mini-batches.
namespace Dtrain.Models.Data;

/// <summary>
/// A data set held in memory. Example <c>i</c> occupies <c>Features[i * FeatureSize .. (i + 1) * FeatureSize]</c>
/// and has targets <c>Targets[i * TargetSize .. (i + 1) * TargetSize]</c> (for classification, class <c>Labels[i]</c>).
/// </summary>
public sealed class Dataset : ExampleSource
{
    /// <summary>Creates a data set, checking that the arrays agree with the shape and class count.</summary>
    /// <param name="name">A name for messages and logs, such as <c>mnist-train</c>.</param>
    /// <param name="featureShape">The shape of one example, such as <c>[784]</c> or <c>[1, 28, 28]</c>.</param>
    /// <param name="classes">The number of classes; every label must lie in <c>[0, classes)</c>.</param>
    /// <param name="features">All examples' features, flattened row-major, <c>Count * FeatureSize</c> long.</param>
    /// <param name="labels">One class id per example.</param>
    public Dataset(string name, int[] featureShape, int classes, float[] features, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(featureShape);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (featureShape.Length == 0 || featureShape.Any(d => d <= 0))
            throw new ArgumentException($"Data set '{name}': feature shape [{string.Join(", ", featureShape)}] must have positive dimensions.", nameof(featureShape));

        long featureSize = featureShape.Aggregate(1L, (size, d) => size * d);
        if ((long)labels.Length * featureSize != features.Length)
            throw new ArgumentException(
                $"Data set '{name}': {features.Length} feature values do not make {labels.Length} examples of {featureSize} values.",
                nameof(features));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentException($"Data set '{name}': label {labels[i]} of example {i} is outside [0, {classes}).", nameof(labels));
        }

        _name = name;
        _featureShape = featureShape;
        _classes = classes;
        Features = features;
        Labels = labels;
        Targets = Array.ConvertAll(labels, l => (float)l);
        _task = LearningTask.Classification;
        _targetSize = 1;
    }

    /// <summary>Creates a regression or reconstruction set (or a classification set whose class ids are floats).</summary>
    /// <param name="name">A name for messages and logs.</param>
    /// <param name="featureShape">The shape of one example.</param>
    /// <param name="task">The task the targets are for.</param>
    /// <param name="classes">Classification: the class count; else 0.</param>
    /// <param name="features">All examples' features, flattened row-major.</param>
    /// <param name="targets">All examples' targets, <c>targetSize</c> per example (none for reconstruction: the features are the targets).</param>
    /// <param name="targetSize">Floats per example's target (for reconstruction, ignored: the feature size).</param>
    public Dataset(string name, int[] featureShape, LearningTask task, int classes, float[] features, float[] targets, int targetSize)
    {
        ArgumentNullException.ThrowIfNull(featureShape);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        if (featureShape.Length == 0 || featureShape.Any(d => d <= 0))
            throw new ArgumentException($"Data set '{name}': feature shape [{string.Join(", ", featureShape)}] must have positive dimensions.", nameof(featureShape));

        var featureSize = (int)featureShape.Aggregate(1L, (size, d) => size * d);
        var count = features.Length / featureSize;
        if ((long)count * featureSize != features.Length)
            throw new ArgumentException($"Data set '{name}': {features.Length} feature values are not a whole number of {featureSize}-value examples.", nameof(features));
        if (task != LearningTask.Reconstruction && (long)count * targetSize != targets.Length)
            throw new ArgumentException($"Data set '{name}': {targets.Length} target values do not make {count} examples of {targetSize}.", nameof(targets));

        _name = name;
        _featureShape = featureShape;
        _task = task;
        _classes = task == LearningTask.Classification ? classes : 0;
        _targetSize = task == LearningTask.Reconstruction ? featureSize : targetSize;
        Features = features;
        Targets = task == LearningTask.Reconstruction ? features : targets;
        Labels = task == LearningTask.Classification ? Array.ConvertAll(targets, t => (int)t) : [];
        _count = count;
    }

    private readonly string _name;
    private readonly int[] _featureShape;
    private readonly int _classes;
    private readonly LearningTask _task;
    private readonly int _targetSize;
    private readonly int _count = -1;

    /// <inheritdoc/>
    public override string Name => _name;

    /// <inheritdoc/>
    public override int Count => _count >= 0 ? _count : Labels.Length;

    /// <inheritdoc/>
    public override int[] FeatureShape => _featureShape;

    /// <inheritdoc/>
    public override int TargetSize => _targetSize;

    /// <inheritdoc/>
    public override LearningTask Task => _task;

    /// <inheritdoc/>
    public override int Classes => _classes;

    /// <summary>All targets, <c>Count * TargetSize</c> values (the features themselves for reconstruction).</summary>
    public float[] Targets { get; }

    /// <summary>All features, <c>Count * FeatureSize</c> values; MNIST pixels are scaled to [0, 1].</summary>
    public float[] Features { get; }

    /// <summary>Classification: the class id of each example; empty for other tasks.</summary>
    public int[] Labels { get; }

    /// <inheritdoc/>
    public override void Gather(ReadOnlySpan<int> indices, Span<float> features, Span<float> targets)
    {
        CheckBatch(indices, features, targets);
        ReadOnlySpan<float> source = Features;
        ReadOnlySpan<float> sourceTargets = Targets;
        int featureSize = FeatureSize, targetSize = TargetSize;
        for (int b = 0; b < indices.Length; b++)
        {
            int index = indices[b];
            if ((uint)index >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Index {index} at batch position {b} is outside data set '{Name}' of {Count} examples.");

            // Span.CopyTo is a vectorized memmove, so one row copies at memory speed.
            source.Slice(index * featureSize, featureSize).CopyTo(features.Slice(b * featureSize, featureSize));
            if (targetSize == 1)
                targets[b] = sourceTargets[index];
            else
                sourceTargets.Slice(index * targetSize, targetSize).CopyTo(targets.Slice(b * targetSize, targetSize));
        }
    }

    /// <summary>Returns a copy of <paramref name="count"/> consecutive examples starting at <paramref name="start"/>.</summary>
    public Dataset Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if ((long)start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(count), $"Slice [{start}, {(long)start + count}) runs past the {Count} examples of '{Name}'.");

        var features = Features.AsSpan(start * FeatureSize, count * FeatureSize).ToArray();
        var sliceName = $"{Name}[{start}..{start + count}]";
        if (Task == LearningTask.Classification && Labels.Length == Count)
            return new Dataset(sliceName, (int[])FeatureShape.Clone(), Classes, features, Labels.AsSpan(start, count).ToArray());
        var targets = Task == LearningTask.Reconstruction ? [] : Targets.AsSpan(start * TargetSize, count * TargetSize).ToArray();
        return new Dataset(sliceName, (int[])FeatureShape.Clone(), Task, Classes, features, targets, TargetSize);
    }
}
