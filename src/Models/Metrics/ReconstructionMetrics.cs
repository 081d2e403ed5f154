// Reconstruction score: the mean squared error between the model's output and the example's own features.
using Dtrain.Models.Data;

namespace Dtrain.Models.Metrics;

/// <summary>Scores an autoencoder: the mean of (output - feature)² over every feature of every example.</summary>
public sealed class ReconstructionMetrics : MetricAccumulator
{
    private readonly int _width;
    private double _squared;
    private long _values;

    /// <summary>Scores examples of <paramref name="width"/> features.</summary>
    public ReconstructionMetrics(int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        _width = width;
    }

    /// <inheritdoc/>
    public override LearningTask Task => LearningTask.Reconstruction;

    /// <inheritdoc/>
    protected override void AddBatch(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int batch)
    {
        // outputs: (B, F)  targets: (B, F)
        for (var i = 0; i < batch * _width; i++)
        {
            double error = outputs[i] - targets[i];
            _squared += error * error;
        }

        _values += (long)batch * _width;
    }

    /// <inheritdoc/>
    protected override TaskMetrics Finish(TaskMetrics metrics) => metrics with { Mse = _values == 0 ? 0 : _squared / _values };
}
