// An in-memory labelled data set (features flattened row-major, labels as class ids) and the
// batch gather that workers run once per step to build their mini-batches.
namespace Dtrain.Models.Data;

/// <summary>
/// A labelled data set held in memory. Example <c>i</c> occupies
/// <c>Features[i * FeatureSize .. (i + 1) * FeatureSize]</c> and has class <c>Labels[i]</c>.
/// </summary>
public sealed class Dataset
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

        Name = name;
        FeatureShape = featureShape;
        FeatureSize = (int)featureSize;
        Classes = classes;
        Features = features;
        Labels = labels;
    }

    /// <summary>The data set's name, for messages and logs.</summary>
    public string Name { get; }

    /// <summary>The number of examples.</summary>
    public int Count => Labels.Length;

    /// <summary>The shape of one example; features are stored flattened, row-major.</summary>
    public int[] FeatureShape { get; }

    /// <summary>The number of feature values in one example (the product of <see cref="FeatureShape"/>).</summary>
    public int FeatureSize { get; }

    /// <summary>The number of classes.</summary>
    public int Classes { get; }

    /// <summary>All features, <c>Count * FeatureSize</c> values; MNIST pixels are scaled to [0, 1].</summary>
    public float[] Features { get; }

    /// <summary>The class id of each example.</summary>
    public int[] Labels { get; }

    /// <summary>
    /// Copies the examples at <paramref name="indices"/> into a batch, in order, without allocating.
    /// </summary>
    /// <param name="indices">The examples to copy, each in <c>[0, Count)</c>; repeats are allowed.</param>
    /// <param name="features">Receives the features: (B, FeatureSize), <c>indices.Length * FeatureSize</c> long.</param>
    /// <param name="labels">Receives the class ids as floats: (B), <c>indices.Length</c> long.</param>
    public void Gather(ReadOnlySpan<int> indices, Span<float> features, Span<float> labels)
    {
        if (features.Length != (long)indices.Length * FeatureSize)
            throw new ArgumentException($"Gather of {indices.Length} examples from '{Name}' needs {(long)indices.Length * FeatureSize} feature values, got {features.Length}.", nameof(features));
        if (labels.Length != indices.Length)
            throw new ArgumentException($"Gather of {indices.Length} examples from '{Name}' needs {indices.Length} labels, got {labels.Length}.", nameof(labels));

        ReadOnlySpan<float> source = Features;
        for (int b = 0; b < indices.Length; b++)
        {
            int index = indices[b];
            if ((uint)index >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Index {index} at batch position {b} is outside data set '{Name}' of {Count} examples.");

            // Span.CopyTo is a vectorized memmove, so one row copies at memory speed.
            source.Slice(index * FeatureSize, FeatureSize).CopyTo(features.Slice(b * FeatureSize, FeatureSize));
            labels[b] = Labels[index];
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
        var labels = Labels.AsSpan(start, count).ToArray();
        return new Dataset($"{Name}[{start}..{start + count}]", (int[])FeatureShape.Clone(), Classes, features, labels);
    }
}
