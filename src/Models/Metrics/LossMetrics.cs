// The score of a job without a supervised output: its loss, and nothing the targets could be compared with.
using Dtrain.Models.Data;

namespace Dtrain.Models.Metrics;

/// <summary>
/// Scores an unsupervised model (an RBM's reconstruction error, a Hopfield network's energy, a GAN's losses): the mean
/// of the model's loss node only. The outputs and targets of each batch are not compared.
/// </summary>
public sealed class LossMetrics : MetricAccumulator
{
    /// <inheritdoc/>
    public override LearningTask Task => LearningTask.Unsupervised;

    /// <inheritdoc/>
    protected override void AddBatch(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int batch)
    {
    }

    /// <inheritdoc/>
    protected override TaskMetrics Finish(TaskMetrics metrics) => metrics;
}
