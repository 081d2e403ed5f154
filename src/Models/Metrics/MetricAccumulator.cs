// Sums a task's figures over the batches of one evaluation pass, from the model's outputs and the batch's targets.
using Dtrain.Models.Data;

namespace Dtrain.Models.Metrics;

/// <summary>
/// Accumulates the metrics of one pass: call <see cref="Add"/> once per batch with the model's outputs and the
/// targets as the executor saw them, then <see cref="Result"/>. Plain arithmetic in doubles, no device.
/// </summary>
public abstract class MetricAccumulator
{
    private double _lossSum;

    /// <summary>Examples added so far.</summary>
    public long Examples { get; private set; }

    /// <summary>Adds one batch.</summary>
    /// <param name="outputs">(B, OutputWidth): the model's output for the batch.</param>
    /// <param name="targets">(B, TargetWidth): the targets as trained (class ids as floats, normalised regression targets, features).</param>
    /// <param name="batch">B.</param>
    /// <param name="meanLoss">The loss of the batch (the loss ops return the mean over the batch).</param>
    public void Add(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int batch, double meanLoss)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        Examples += batch;
        _lossSum += meanLoss * batch;
        AddBatch(outputs, targets, batch);
    }

    /// <summary>The figures of everything added.</summary>
    public TaskMetrics Result() => Finish(new TaskMetrics
    {
        Task = Task,
        Examples = Examples,
        Loss = Examples == 0 ? 0 : _lossSum / Examples,
    });

    /// <summary>The task scored.</summary>
    public abstract LearningTask Task { get; }

    /// <summary>Adds one batch's task figures.</summary>
    protected abstract void AddBatch(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int batch);

    /// <summary>Fills in the task's figures.</summary>
    protected abstract TaskMetrics Finish(TaskMetrics metrics);

    /// <summary>
    /// The accumulator for a model with <paramref name="outputWidth"/> outputs per example scored on targets of
    /// <paramref name="targetWidth"/> floats. <paramref name="schema"/> (when known) gives the regression targets'
    /// normalisation to undo; <paramref name="topK"/> is the k of top-k accuracy (0: off). Throws
    /// <see cref="DtrainException"/> when the widths cannot be scored for the task (<paramref name="what"/> names the model).
    /// </summary>
    public static MetricAccumulator For(LearningTask task, int outputWidth, int targetWidth, DataSchema? schema, int topK, string what)
    {
        switch (task)
        {
            case LearningTask.Classification:
                if (targetWidth != 1)
                {
                    throw new DtrainException($"{what}: a classification has one class id per example, but the targets hold {targetWidth} values");
                }

                return new ClassificationMetrics(outputWidth, topK);
            case LearningTask.Regression:
                if (outputWidth != targetWidth)
                {
                    throw new DtrainException($"{what}: the model outputs {outputWidth} value(s) per example, but the regression targets hold {targetWidth}");
                }

                return new RegressionMetrics(targetWidth, schema?.TargetShift, schema?.TargetScale);
            case LearningTask.Unsupervised:
                return new LossMetrics();
            default:
                if (outputWidth != targetWidth)
                {
                    throw new DtrainException($"{what}: the model outputs {outputWidth} value(s) per example, but a reconstruction compares them with {targetWidth} features");
                }

                return new ReconstructionMetrics(targetWidth);
        }
    }
}
