// Classification scores: accuracy, top-k accuracy and the confusion matrix behind per-class precision and recall.
using Dtrain.Models.Data;

namespace Dtrain.Models.Metrics;

/// <summary>
/// Scores class predictions: the predicted class is the highest output score (the first on a tie, as argmax does);
/// a model with one output unit is a binary classifier (a threshold unit) that predicts class 1 when its output is
/// above 0. <see cref="Confusion"/>[actual, predicted] counts examples.
/// </summary>
public sealed class ClassificationMetrics : MetricAccumulator
{
    private readonly int _topK;
    private long _correct;
    private long _inTopK;

    /// <summary>
    /// Scores <paramref name="outputs"/> scores per example: that many classes, or two when there is one (a binary
    /// classifier, class 1 when the output is above 0); <paramref name="topK"/> is the k of top-k accuracy (0: off).
    /// </summary>
    public ClassificationMetrics(int outputs, int topK)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(topK);
        _outputs = outputs;
        Classes = outputs == 1 ? 2 : outputs;
        _topK = topK;
        Confusion = new long[Classes, Classes];
    }

    /// <summary>The number of classes (output scores per example, or 2 for one output unit).</summary>
    public int Classes { get; }

    private readonly int _outputs;

    /// <summary>Examples of class <c>a</c> predicted as <c>p</c>, at <c>[a, p]</c>.</summary>
    public long[,] Confusion { get; }

    /// <inheritdoc/>
    public override LearningTask Task => LearningTask.Classification;

    /// <summary>Whether top-k accuracy is scored: k set and below the class count (else it is always 1).</summary>
    private bool ScoresTopK => _topK > 0 && _topK < Classes;

    /// <inheritdoc/>
    protected override void AddBatch(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int batch)
    {
        // outputs: (B, classes), or (B, 1) for a binary classifier  targets: (B) class ids as floats
        for (var i = 0; i < batch; i++)
        {
            var scores = outputs.Slice(i * _outputs, _outputs);
            var actual = (int)targets[i];
            if ((uint)actual >= (uint)Classes)
            {
                throw new DtrainException($"class id {targets[i]} of an evaluated example is outside the model's {Classes} classes");
            }

            if (_outputs == 1)
            {
                // A threshold unit: its one output is the pre-activation (or a probability's logit) against 0.
                var binary = scores[0] > 0 ? 1 : 0;
                Confusion[actual, binary]++;
                _correct += binary == actual ? 1 : 0;
                continue;
            }

            var predicted = 0;
            for (var k = 1; k < Classes; k++)
            {
                predicted = scores[k] > scores[predicted] ? k : predicted;
            }

            Confusion[actual, predicted]++;
            _correct += predicted == actual ? 1 : 0;
            if (ScoresTopK)
            {
                // The class is in the top k when fewer than k classes score above it (ties count for it).
                var above = 0;
                for (var k = 0; k < Classes; k++)
                {
                    above += scores[k] > scores[actual] ? 1 : 0;
                }

                _inTopK += above < _topK ? 1 : 0;
            }
        }
    }

    /// <inheritdoc/>
    protected override TaskMetrics Finish(TaskMetrics metrics) => metrics with
    {
        Accuracy = Examples == 0 ? 0 : (double)_correct / Examples,
        TopKAccuracy = ScoresTopK ? (Examples == 0 ? 0 : (double)_inTopK / Examples) : null,
        TopK = ScoresTopK ? _topK : 0,
    };

    /// <summary>Examples of class <paramref name="c"/>.</summary>
    public long Support(int c)
    {
        long n = 0;
        for (var p = 0; p < Classes; p++)
        {
            n += Confusion[c, p];
        }

        return n;
    }

    /// <summary>Of the examples predicted as <paramref name="c"/>, the fraction that are; null when none was predicted as it.</summary>
    public double? Precision(int c)
    {
        long predicted = 0;
        for (var a = 0; a < Classes; a++)
        {
            predicted += Confusion[a, c];
        }

        return predicted == 0 ? null : (double)Confusion[c, c] / predicted;
    }

    /// <summary>Of the examples of class <paramref name="c"/>, the fraction predicted as it; null when there are none.</summary>
    public double? Recall(int c)
    {
        var support = Support(c);
        return support == 0 ? null : (double)Confusion[c, c] / support;
    }
}
