// Loss kernels of the CPU backend: softmax cross-entropy, mean squared error, binary cross-entropy on logits
// (in the overflow-free form), and accuracy counting.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void SoftmaxCrossEntropy(Tensor logits, Tensor labels, int rows, int classes, Tensor loss, Tensor? dlogits, bool accumulate)
    {
        var z = Span(logits);
        var y = Span(labels);
        var dz = dlogits is { } d ? Span(d) : default;
        double total = 0;
        var scale = 1f / rows;
        for (var r = 0; r < rows; r++)
        {
            var row = z.Slice(r * classes, classes);
            var label = CheckLabel(y[r], classes, r);

            // Subtract the row max so exp never overflows; log-sum-exp then gives the loss exactly.
            var max = float.NegativeInfinity;
            foreach (var v in row)
            {
                max = MathF.Max(max, v);
            }

            double sum = 0;
            foreach (var v in row)
            {
                sum += Math.Exp(v - max);
            }

            total += Math.Log(sum) + max - row[label];
            if (dlogits is not null)
            {
                var drow = dz.Slice(r * classes, classes);
                var inv = 1.0 / sum;
                for (var c = 0; c < classes; c++)
                {
                    var g = ((float)(Math.Exp(row[c] - max) * inv) - (c == label ? 1f : 0f)) * scale;
                    drow[c] = accumulate ? drow[c] + g : g;
                }
            }
        }

        Span(loss)[0] = (float)(total / rows);
    }

    /// <inheritdoc/>
    public void MeanSquaredError(Tensor prediction, Tensor target, int count, Tensor loss, Tensor? dprediction, bool accumulate)
    {
        var p = Span(prediction)[..count];
        var t = Span(target)[..count];
        var dp = dprediction is { } d ? Span(d)[..count] : default;
        double total = 0;
        var scale = 2f / count;
        for (var i = 0; i < count; i++)
        {
            var diff = p[i] - t[i];
            total += (double)diff * diff;
            if (dprediction is not null)
            {
                dp[i] = accumulate ? dp[i] + (scale * diff) : scale * diff;
            }
        }

        Span(loss)[0] = (float)(total / count);
    }

    /// <inheritdoc/>
    public int CountCorrect(Tensor scores, Tensor labels, int rows, int classes)
    {
        var s = Span(scores);
        var y = Span(labels);
        var correct = 0;
        for (var r = 0; r < rows; r++)
        {
            var row = s.Slice(r * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }
            }

            if (best == CheckLabel(y[r], classes, r))
            {
                correct++;
            }
        }

        return correct;
    }

    private static int CheckLabel(float value, int classes, int row)
    {
        var label = (int)value;
        if (label < 0 || label >= classes || label != value)
        {
            throw new DtrainException($"label {value} of batch row {row} is not a class id in [0, {classes})");
        }

        return label;
    }

    /// <inheritdoc/>
    public void BinaryCrossEntropyWithLogits(Tensor logits, Tensor targets, int count, Tensor loss, Tensor? dlogits, bool accumulateLogits, Tensor? dtargets, bool accumulateTargets)
    {
        // logits, targets, dlogits, dtargets: (count)  loss: ()
        var z = Span(logits)[..count];
        var y = Span(targets)[..count];
        var dz = dlogits is { } a ? Span(a)[..count] : default;
        var dy = dtargets is { } b ? Span(b)[..count] : default;
        var scale = 1f / count;
        double total = 0;
        for (var i = 0; i < count; i++)
        {
            var (zi, yi) = (z[i], y[i]);
            if (!(yi >= 0f && yi <= 1f))
            {
                throw new DtrainException($"binary cross-entropy target {yi} at element {i} of the batch is outside [0, 1]");
            }

            // -[y log s(z) + (1 - y) log(1 - s(z))] = max(z, 0) - z y + log(1 + e^-|z|): e^-|z| <= 1 never overflows.
            var e = MathF.Exp(-MathF.Abs(zi));
            total += MathF.Max(zi, 0f) - (zi * yi) + MathF.Log(1f + e);
            if (dlogits is not null)
            {
                // sigmoid(z) from the same e^-|z|: 1 / (1 + e) for z >= 0, e / (1 + e) below.
                var sigmoid = zi >= 0f ? 1f / (1f + e) : e / (1f + e);
                var g = (sigmoid - yi) * scale;
                dz[i] = accumulateLogits ? dz[i] + g : g;
            }

            if (dtargets is not null)
            {
                var g = -zi * scale;
                dy[i] = accumulateTargets ? dy[i] + g : g;
            }
        }

        Span(loss)[0] = (float)(total / count);
    }
}
