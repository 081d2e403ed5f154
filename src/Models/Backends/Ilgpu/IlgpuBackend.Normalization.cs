// Batch and layer normalization on the device: batch norm's statistics are segment reductions per channel
// followed by a per-channel finishing kernel; every pass over the values is one pointwise launch.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc/>
    public void BatchNormTraining(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, Tensor y, Tensor saved, int n, int channels, int inner, float momentum, float epsilon)
    {
        // x, y: (n, C, inner)  gamma, beta, running*: (C)  saved: mean (C), then 1/sqrt(var + eps) (C)
        var m = n * inner;
        var means = V(saved).SubView(0, channels);
        var squares = V(saved).SubView(channels, channels);
        ReduceSegments(new SegmentArgs(n, channels, inner, IlgpuKernels.SumA, 1f / m, 0), V(x), _dummy.View, _dummy.View, means);
        ReduceSegments(new SegmentArgs(n, channels, inner, IlgpuKernels.SumSquaredDeviation, 1f, 0), V(x), _dummy.View, means, squares);
        Run(channels, IlgpuKernels.BatchNormStatistics, V(saved), V(runningMean), V(runningVar), channels, m, momentum, epsilon);
        Run(m * channels, IlgpuKernels.BatchNormNormalize, V(x), V(gamma), V(beta), V(saved), V(y), channels, inner);
    }

    /// <inheritdoc/>
    public void BatchNormInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, Tensor y, int n, int channels, int inner, float epsilon) =>
        Run(n * channels * inner, IlgpuKernels.BatchNormInference, V(x), V(gamma), V(beta), V(runningMean), V(runningVar), V(y), channels, inner, epsilon);

    /// <inheritdoc/>
    public void BatchNormBackward(Tensor x, Tensor gamma, Tensor dy, Tensor saved, Tensor sums, Tensor? dx, Tensor dgamma, Tensor dbeta, int n, int channels, int inner, bool accumulateInput, bool accumulateParameters)
    {
        // x, dy, dx: (n, C, inner)  gamma, dgamma, dbeta: (C)  saved: mean, invstd (C each)  sums: scratch (2C)
        var m = n * inner;
        var means = V(saved).SubView(0, channels);
        ReduceSegments(new SegmentArgs(n, channels, inner, IlgpuKernels.SumA, 1f, 0), V(dy), _dummy.View, _dummy.View, V(sums).SubView(0, channels));
        ReduceSegments(new SegmentArgs(n, channels, inner, IlgpuKernels.SumCenteredProduct, 1f, 0), V(dy), V(x), means, V(sums).SubView(channels, channels));
        Run(channels, IlgpuKernels.BatchNormGradientSums, V(saved), V(sums), V(dgamma), V(dbeta), channels, m, Flag(accumulateParameters));
        if (dx is { } d)
        {
            Run(m * channels, IlgpuKernels.BatchNormInputGradient, V(x), V(gamma), V(dy), V(saved), V(sums), V(d), channels, inner, Flag(accumulateInput));
        }
    }

    /// <inheritdoc/>
    public void LayerNorm(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor saved, int rows, int cols, float epsilon) =>
        Run(rows, IlgpuKernels.LayerNormRow, V(x), V(gamma), V(beta), V(y), V(saved), rows, cols, epsilon);

    /// <inheritdoc/>
    public void LayerNormBackward(Tensor x, Tensor gamma, Tensor dy, Tensor saved, Tensor? dx, Tensor dgamma, Tensor dbeta, int rows, int cols, bool accumulateInput, bool accumulateParameters)
    {
        Run(cols, IlgpuKernels.LayerNormParameterGradient, V(x), V(dy), V(saved), V(dgamma), V(dbeta), rows, cols, Flag(accumulateParameters));
        if (dx is { } d)
        {
            Run(rows, IlgpuKernels.LayerNormInputGradient, V(x), V(gamma), V(dy), V(saved), V(d), rows, cols, Flag(accumulateInput));
        }
    }
}
