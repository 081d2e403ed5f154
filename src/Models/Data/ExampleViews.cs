// Views over an example source that a job's data section asks for: the first k training rows (training.data.limit),
// and the same rows scored as an unsupervised job (training.data.task "unsupervised").
namespace Dtrain.Models.Data;

/// <summary>
/// The first <c>count</c> examples of <see cref="All"/>, as examples 0, 1, ...: a cluster worker that reads every row
/// gathers the same ones, since the coordinator hands out only indices below the count.
/// </summary>
public sealed class FirstExamples : ExampleSource, IDisposable
{
    private readonly int _count;

    /// <summary>The first <paramref name="count"/> examples of <paramref name="all"/> (all of them when it has fewer).</summary>
    public FirstExamples(ExampleSource all, int count)
    {
        ArgumentNullException.ThrowIfNull(all);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        All = all;
        _count = Math.Min(count, all.Count);
    }

    /// <summary>Every example, of which this view shows the first.</summary>
    public ExampleSource All { get; }

    /// <inheritdoc/>
    public override string Name => $"{All.Name} (first {_count:N0})";

    /// <inheritdoc/>
    public override int Count => _count;

    /// <inheritdoc/>
    public override int[] FeatureShape => All.FeatureShape;

    /// <inheritdoc/>
    public override int TargetSize => All.TargetSize;

    /// <inheritdoc/>
    public override LearningTask Task => All.Task;

    /// <inheritdoc/>
    public override int Classes => All.Classes;

    /// <inheritdoc/>
    public override void Gather(ReadOnlySpan<int> indices, Span<float> features, Span<float> targets)
    {
        CheckBatch(indices, features, targets);
        foreach (var i in indices)
        {
            if ((uint)i >= (uint)_count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"example {i} is outside the first {_count} of '{All.Name}'");
            }
        }

        All.Gather(indices, features, targets);
    }

    /// <inheritdoc/>
    public void Dispose() => (All as IDisposable)?.Dispose();
}

/// <summary>
/// The examples of <see cref="Data"/>, read as their own task (a class id, targets) but scored as
/// <see cref="LearningTask.Unsupervised"/>: the job reports its losses, and the model's output is not checked
/// against the data's classes.
/// </summary>
public sealed class UnsupervisedExamples : ExampleSource, IDisposable
{
    /// <summary>Views <paramref name="data"/> as unsupervised.</summary>
    public UnsupervisedExamples(ExampleSource data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Data = data;
    }

    /// <summary>The examples as read.</summary>
    public ExampleSource Data { get; }

    /// <inheritdoc/>
    public override string Name => Data.Name;

    /// <inheritdoc/>
    public override int Count => Data.Count;

    /// <inheritdoc/>
    public override int[] FeatureShape => Data.FeatureShape;

    /// <inheritdoc/>
    public override int TargetSize => Data.TargetSize;

    /// <inheritdoc/>
    public override LearningTask Task => LearningTask.Unsupervised;

    /// <inheritdoc/>
    public override int Classes => 0;

    /// <inheritdoc/>
    public override void Gather(ReadOnlySpan<int> indices, Span<float> features, Span<float> targets) => Data.Gather(indices, features, targets);

    /// <inheritdoc/>
    public void Dispose() => (Data as IDisposable)?.Dispose();
}
