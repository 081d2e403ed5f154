// Kernels of batch and layer normalization, forward (training and inference) and backward.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

public partial interface IBackend
{
    /// <summary>
    /// Batch norm forward with batch statistics over x viewed as (n, channels, inner): per channel c,
    /// y = gamma[c] (x - mean[c]) / sqrt(var[c] + epsilon) + beta[c] with the biased variance over n * inner
    /// values. Writes mean and 1 / sqrt(var + epsilon) into <paramref name="saved"/> (2 * channels floats:
    /// means, then inverse deviations) for the backward pass, and moves the running estimates:
    /// running = (1 - momentum) running + momentum * batch, with the unbiased variance (PyTorch's rule;
    /// skipped when a channel has a single value, whose unbiased variance is undefined).
    /// </summary>
    void BatchNormTraining(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, Tensor y, Tensor saved, int n, int channels, int inner, float momentum, float epsilon);

    /// <summary>Batch norm forward with the running estimates: y = gamma (x - runningMean) / sqrt(runningVar + epsilon) + beta.</summary>
    void BatchNormInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, Tensor y, int n, int channels, int inner, float epsilon);

    /// <summary>
    /// Batch norm backward through the batch statistics, using what <see cref="BatchNormTraining"/> saved.
    /// <paramref name="sums"/> is scratch of 2 * channels floats. dbeta = sum dy, dgamma = sum dy * xhat (added
    /// when <paramref name="accumulateParameters"/>); when <paramref name="dx"/> is given,
    /// dx = gamma * invstd / m * (m dy - sum dy - xhat * sum(dy * xhat)) with m = n * inner (added when
    /// <paramref name="accumulateInput"/>).
    /// </summary>
    void BatchNormBackward(Tensor x, Tensor gamma, Tensor dy, Tensor saved, Tensor sums, Tensor? dx, Tensor dgamma, Tensor dbeta, int n, int channels, int inner, bool accumulateInput, bool accumulateParameters);

    /// <summary>
    /// Layer norm forward over each row of a (rows x cols) matrix: y = gamma * (x - mean) / sqrt(var + epsilon)
    /// + beta with gamma and beta of cols floats. Writes per-row mean and inverse deviation into
    /// <paramref name="saved"/> (2 * rows floats: means, then inverse deviations).
    /// </summary>
    void LayerNorm(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor saved, int rows, int cols, float epsilon);

    /// <summary>
    /// Layer norm backward: dgamma = sum over rows of dy * xhat, dbeta = sum of dy (added when
    /// <paramref name="accumulateParameters"/>); when <paramref name="dx"/> is given, with g = dy * gamma,
    /// dx = invstd / cols * (cols g - sum g - xhat * sum(g * xhat)) (added when <paramref name="accumulateInput"/>).
    /// </summary>
    void LayerNormBackward(Tensor x, Tensor gamma, Tensor dy, Tensor saved, Tensor? dx, Tensor dgamma, Tensor dbeta, int rows, int cols, bool accumulateInput, bool accumulateParameters);
}
