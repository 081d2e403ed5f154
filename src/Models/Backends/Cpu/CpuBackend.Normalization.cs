// Batch and layer normalization kernels of the CPU backend. A (batch, C) input is normalized per column with
// row-vector loops across channels; a (batch, C, spatial) input per contiguous (example, channel) span.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void BatchNormTraining(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, Tensor y, Tensor saved, int n, int channels, int inner, float momentum, float epsilon)
    {
        // x, y: (n, C, inner)  gamma, beta, running*: (C)  saved: mean (C), then 1/sqrt(var + eps) (C)
        var xs = Span(x);
        var ys = Span(y);
        var g = Span(gamma)[..channels];
        var b = Span(beta)[..channels];
        var rm = Span(runningMean)[..channels];
        var rv = Span(runningVar)[..channels];
        var mean = Span(saved).Slice(0, channels);
        var invstd = Span(saved).Slice(channels, channels);
        var m = n * inner;
        if (inner == 1)
        {
            // Two passes (mean, then squared deviations) as vectors across the channels of each row.
            mean.Clear();
            for (var r = 0; r < n; r++)
            {
                Simd.AddInPlace(mean, xs.Slice(r * channels, channels));
            }

            Affine(mean, 1f / m, mean, 0f, 0f, mean, accumulate: false);
            invstd.Clear();
            for (var r = 0; r < n; r++)
            {
                AddSquaredDeviation(invstd, xs.Slice(r * channels, channels), mean);
            }
        }
        else
        {
            // Per-span float sums gathered in double: a channel of a conv batch holds 10^5 values.
            for (var c = 0; c < channels; c++)
            {
                double sum = 0;
                for (var r = 0; r < n; r++)
                {
                    sum += Sum(xs.Slice(((r * channels) + c) * inner, inner));
                }

                mean[c] = (float)(sum / m);
                double squares = 0;
                for (var r = 0; r < n; r++)
                {
                    squares += SquaredDeviation(xs.Slice(((r * channels) + c) * inner, inner), mean[c]);
                }

                invstd[c] = (float)squares;
            }
        }

        for (var c = 0; c < channels; c++)
        {
            var variance = invstd[c] / m;
            if (m > 1)
            {
                // PyTorch's rule: the running variance estimates the population, so it takes the unbiased batch variance.
                rm[c] = ((1f - momentum) * rm[c]) + (momentum * mean[c]);
                rv[c] = ((1f - momentum) * rv[c]) + (momentum * variance * m / (m - 1));
            }

            invstd[c] = 1f / MathF.Sqrt(variance + epsilon);
        }

        if (inner == 1)
        {
            for (var r = 0; r < n; r++)
            {
                NormalizeRow(xs.Slice(r * channels, channels), mean, invstd, g, b, ys.Slice(r * channels, channels));
            }

            return;
        }

        for (var r = 0; r < n; r++)
        {
            for (var c = 0; c < channels; c++)
            {
                var at = ((r * channels) + c) * inner;
                var k = g[c] * invstd[c];
                Affine(xs.Slice(at, inner), k, xs.Slice(at, inner), 0f, b[c] - (mean[c] * k), ys.Slice(at, inner), accumulate: false);
            }
        }
    }

    /// <inheritdoc/>
    public void BatchNormInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, Tensor y, int n, int channels, int inner, float epsilon)
    {
        // x, y: (n, C, inner)  gamma, beta, running*: (C)
        var xs = Span(x);
        var ys = Span(y);
        var g = Span(gamma)[..channels];
        var b = Span(beta)[..channels];
        var rm = Span(runningMean)[..channels];
        var rv = Span(runningVar)[..channels];
        if (inner == 1)
        {
            for (var r = 0; r < n; r++)
            {
                NormalizeRowRunning(xs.Slice(r * channels, channels), rm, rv, g, b, epsilon, ys.Slice(r * channels, channels));
            }

            return;
        }

        for (var r = 0; r < n; r++)
        {
            for (var c = 0; c < channels; c++)
            {
                var at = ((r * channels) + c) * inner;
                var k = g[c] / MathF.Sqrt(rv[c] + epsilon);
                Affine(xs.Slice(at, inner), k, xs.Slice(at, inner), 0f, b[c] - (rm[c] * k), ys.Slice(at, inner), accumulate: false);
            }
        }
    }

    /// <inheritdoc/>
    public void BatchNormBackward(Tensor x, Tensor gamma, Tensor dy, Tensor saved, Tensor sums, Tensor? dx, Tensor dgamma, Tensor dbeta, int n, int channels, int inner, bool accumulateInput, bool accumulateParameters)
    {
        // x, dy, dx: (n, C, inner)  gamma, dgamma, dbeta: (C)  saved: mean, invstd (C each)  sums: scratch (2C)
        var xs = Span(x);
        var dys = Span(dy);
        var g = Span(gamma)[..channels];
        var mean = Span(saved).Slice(0, channels);
        var invstd = Span(saved).Slice(channels, channels);
        var sumDy = Span(sums).Slice(0, channels);
        var sumDyXhat = Span(sums).Slice(channels, channels);
        var m = n * inner;
        if (inner == 1)
        {
            sumDy.Clear();
            sumDyXhat.Clear();
            for (var r = 0; r < n; r++)
            {
                AddNormalizationSums(dys.Slice(r * channels, channels), xs.Slice(r * channels, channels), mean, invstd, sumDy, sumDyXhat);
            }
        }
        else
        {
            for (var c = 0; c < channels; c++)
            {
                double sum = 0, centered = 0;
                for (var r = 0; r < n; r++)
                {
                    var at = ((r * channels) + c) * inner;
                    sum += Sum(dys.Slice(at, inner));
                    centered += CenteredDot(dys.Slice(at, inner), xs.Slice(at, inner), mean[c]);
                }

                sumDy[c] = (float)sum;
                sumDyXhat[c] = (float)(centered * invstd[c]);
            }
        }

        // dbeta = sum dy and dgamma = sum dy * xhat are exactly the sums dx needs.
        ScaleInto(sums.Slice(0, channels), 1f, dbeta.Prefix(channels), accumulateParameters);
        ScaleInto(sums.Slice(channels, channels), 1f, dgamma.Prefix(channels), accumulateParameters);
        if (dx is not { } dxTensor)
        {
            return;
        }

        var dxs = Span(dxTensor);
        var both = Span(sums)[..(2 * channels)];
        Affine(both, 1f / m, both, 0f, 0f, both, accumulate: false); // the sums become means over the m values
        if (inner == 1)
        {
            for (var r = 0; r < n; r++)
            {
                BatchNormRowBackward(dys.Slice(r * channels, channels), xs.Slice(r * channels, channels), mean, invstd, g, sumDy, sumDyXhat, dxs.Slice(r * channels, channels), accumulateInput);
            }

            return;
        }

        for (var c = 0; c < channels; c++)
        {
            // dx = k (dy - mean(dy) - xhat mean(dy xhat)) with k = gamma invstd, written as a dy + b x + c.
            var k = g[c] * invstd[c];
            var slope = -k * invstd[c] * sumDyXhat[c];
            var offset = (-k * sumDy[c]) - (slope * mean[c]);
            for (var r = 0; r < n; r++)
            {
                var at = ((r * channels) + c) * inner;
                Affine(dys.Slice(at, inner), k, xs.Slice(at, inner), slope, offset, dxs.Slice(at, inner), accumulateInput);
            }
        }
    }

    /// <inheritdoc/>
    public void LayerNorm(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor saved, int rows, int cols, float epsilon)
    {
        // x, y: (rows, cols)  gamma, beta: (cols)  saved: mean (rows), then 1/sqrt(var + eps) (rows)
        var xs = Span(x);
        var ys = Span(y);
        var g = Span(gamma)[..cols];
        var b = Span(beta)[..cols];
        var s = Span(saved);
        for (var r = 0; r < rows; r++)
        {
            var row = xs.Slice(r * cols, cols);
            var mean = Sum(row) / cols;
            var invstd = 1f / MathF.Sqrt((SquaredDeviation(row, mean) / cols) + epsilon);
            (s[r], s[rows + r]) = (mean, invstd);
            LayerNormRow(row, mean, invstd, g, b, ys.Slice(r * cols, cols));
        }
    }

    /// <inheritdoc/>
    public void LayerNormBackward(Tensor x, Tensor gamma, Tensor dy, Tensor saved, Tensor? dx, Tensor dgamma, Tensor dbeta, int rows, int cols, bool accumulateInput, bool accumulateParameters)
    {
        // x, dy, dx: (rows, cols)  gamma, dgamma, dbeta: (cols)  saved: mean (rows), invstd (rows)
        var xs = Span(x);
        var dys = Span(dy);
        var dxs = dx is { } d ? Span(d) : default;
        var g = Span(gamma)[..cols];
        var dg = Span(dgamma)[..cols];
        var db = Span(dbeta)[..cols];
        var s = Span(saved);
        if (!accumulateParameters)
        {
            dg.Clear();
            db.Clear();
        }

        for (var r = 0; r < rows; r++)
        {
            var row = xs.Slice(r * cols, cols);
            var dyRow = dys.Slice(r * cols, cols);
            var (mean, invstd) = (s[r], s[rows + r]);
            Simd.AddInPlace(db, dyRow);
            AddCenteredProduct(dg, dyRow, row, mean, invstd);
            if (dx is not null)
            {
                // With g = dy gamma: dx = invstd (g - mean(g) - xhat mean(g xhat)).
                var meanG = Dot(dyRow, g) / cols;
                var meanGXhat = CenteredDot3(dyRow, g, row, mean) * invstd / cols;
                LayerNormRowBackward(dyRow, g, row, mean, invstd, meanG, meanGXhat, dxs.Slice(r * cols, cols), accumulateInput);
            }
        }
    }
}
