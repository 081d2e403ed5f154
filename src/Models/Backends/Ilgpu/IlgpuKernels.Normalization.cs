// Normalization kernels: batch norm's per-channel statistics and pointwise passes over (n, C, inner) tensors, and
// layer norm with one thread per row (its rows are a layer wide) or per column for the parameter gradients.
using ILGPU;
using ILGPU.Algorithms;

namespace Dtrain.Models.Backends.Ilgpu;

internal static partial class IlgpuKernels
{
    /// <summary>
    /// Per channel, after the segment sums left mean[c] and sum (x - mean)^2 in saved: the running estimates move
    /// (unbiased variance, skipped for a single value) and saved[C + c] becomes 1 / sqrt(var + epsilon).
    /// </summary>
    public static void BatchNormStatistics(Index1D c, ArrayView<float> saved, ArrayView<float> runningMean, ArrayView<float> runningVar, int channels, int m, float momentum, float epsilon)
    {
        var mean = saved[c];
        var variance = saved[channels + c] / m;
        if (m > 1)
        {
            runningMean[c] = ((1f - momentum) * runningMean[c]) + (momentum * mean);
            runningVar[c] = ((1f - momentum) * runningVar[c]) + (momentum * variance * m / (m - 1));
        }

        saved[channels + c] = 1f / XMath.Sqrt(variance + epsilon);
    }

    /// <summary>y = gamma (x - mean) invstd + beta, written as k x + (beta - mean k) with k = gamma invstd.</summary>
    public static void BatchNormNormalize(Index1D i, ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> beta, ArrayView<float> saved, ArrayView<float> y, int channels, int inner)
    {
        var c = (i / inner) % channels;
        var k = gamma[c] * saved[channels + c];
        y[i] = (x[i] * k) + (beta[c] - (saved[c] * k));
    }

    /// <summary>y = gamma (x - runningMean) / sqrt(runningVar + epsilon) + beta.</summary>
    public static void BatchNormInference(Index1D i, ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> beta, ArrayView<float> runningMean, ArrayView<float> runningVar, ArrayView<float> y, int channels, int inner, float epsilon)
    {
        var c = (i / inner) % channels;
        var k = gamma[c] / XMath.Sqrt(runningVar[c] + epsilon);
        y[i] = ((x[i] - runningMean[c]) * k) + beta[c];
    }

    /// <summary>
    /// Per channel, with sums = (sum dy, sum dy (x - mean)): dbeta (+)= sum dy, dgamma (+)= sum dy xhat; the sums
    /// become the means over the m values that dx needs.
    /// </summary>
    public static void BatchNormGradientSums(Index1D c, ArrayView<float> saved, ArrayView<float> sums, ArrayView<float> dgamma, ArrayView<float> dbeta, int channels, int m, int accumulate)
    {
        var sumDy = sums[c];
        var sumDyXhat = sums[channels + c] * saved[channels + c];
        dbeta[c] = accumulate != 0 ? dbeta[c] + sumDy : sumDy;
        dgamma[c] = accumulate != 0 ? dgamma[c] + sumDyXhat : sumDyXhat;
        sums[c] = sumDy / m;
        sums[channels + c] = sumDyXhat / m;
    }

    /// <summary>dx (+)= gamma invstd (dy - mean(dy) - xhat mean(dy xhat)).</summary>
    public static void BatchNormInputGradient(Index1D i, ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> dy, ArrayView<float> saved, ArrayView<float> sums, ArrayView<float> dx, int channels, int inner, int accumulate)
    {
        var c = (i / inner) % channels;
        var invstd = saved[channels + c];
        var xhat = (x[i] - saved[c]) * invstd;
        var g = gamma[c] * invstd * (dy[i] - sums[c] - (xhat * sums[channels + c]));
        dx[i] = accumulate != 0 ? dx[i] + g : g;
    }

    /// <summary>Layer norm of row r: two passes for mean and variance, then y = (x - mean) invstd gamma + beta.</summary>
    public static void LayerNormRow(Index1D r, ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> beta, ArrayView<float> y, ArrayView<float> saved, int rows, int cols, float epsilon)
    {
        var start = r * cols;
        var sum = 0f;
        for (var c = 0; c < cols; c++)
        {
            sum += x[start + c];
        }

        var mean = sum / cols;
        var squares = 0f;
        for (var c = 0; c < cols; c++)
        {
            var d = x[start + c] - mean;
            squares += d * d;
        }

        var invstd = 1f / XMath.Sqrt((squares / cols) + epsilon);
        saved[r] = mean;
        saved[rows + r] = invstd;
        for (var c = 0; c < cols; c++)
        {
            y[start + c] = ((x[start + c] - mean) * invstd * gamma[c]) + beta[c];
        }
    }

    /// <summary>Layer norm's parameter gradients for column c: dgamma (+)= sum dy xhat, dbeta (+)= sum dy.</summary>
    public static void LayerNormParameterGradient(Index1D c, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> saved, ArrayView<float> dgamma, ArrayView<float> dbeta, int rows, int cols, int accumulate)
    {
        var (sumDy, sumDyXhat) = (0f, 0f);
        for (var r = 0; r < rows; r++)
        {
            var g = dy[(r * cols) + c];
            sumDy += g;
            sumDyXhat += g * (x[(r * cols) + c] - saved[r]) * saved[rows + r];
        }

        dbeta[c] = accumulate != 0 ? dbeta[c] + sumDy : sumDy;
        dgamma[c] = accumulate != 0 ? dgamma[c] + sumDyXhat : sumDyXhat;
    }

    /// <summary>Layer norm's input gradient for row r: with g = dy gamma, dx (+)= invstd (g - mean(g) - xhat mean(g xhat)).</summary>
    public static void LayerNormInputGradient(Index1D r, ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> dy, ArrayView<float> saved, ArrayView<float> dx, int rows, int cols, int accumulate)
    {
        var start = r * cols;
        var (mean, invstd) = (saved[r], saved[rows + r]);
        var (sumG, sumGCentered) = (0f, 0f);
        for (var c = 0; c < cols; c++)
        {
            var g = dy[start + c] * gamma[c];
            sumG += g;
            sumGCentered += g * (x[start + c] - mean);
        }

        var meanG = sumG / cols;
        var meanGXhat = sumGCentered * invstd / cols;
        for (var c = 0; c < cols; c++)
        {
            var xhat = (x[start + c] - mean) * invstd;
            var v = invstd * ((dy[start + c] * gamma[c]) - meanG - (xhat * meanGXhat));
            dx[start + c] = accumulate != 0 ? dx[start + c] + v : v;
        }
    }
}
