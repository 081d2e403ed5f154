// Clipping by global norm (Pascanu et al., 2013; PyTorch's clip_grad_norm_): rescales a whole gradient so its
// L2 norm is at most a threshold, keeping its direction. Runs on the backend that holds the gradient.
using Dtrain.Models.Backends;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Optimizers;

/// <summary>
/// Global-norm clipping of a gradient split over several tensors. The norm must be of the whole gradient,
/// so in the cluster it runs in the worker before a push, not in a shard that holds only part of it.
/// </summary>
public static class GradientClipping
{
    /// <summary>
    /// Computes the L2 norm over all of <paramref name="gradients"/> and, when it exceeds
    /// <paramref name="maxNorm"/>, scales every tensor by <c>maxNorm / (norm + 1e-6)</c> as PyTorch does.
    /// <paramref name="scratch"/> is a one-float tensor of the same backend; one float crosses to the host.
    /// Returns the norm before clipping (NaN or infinity pass through: the scale then poisons the gradient,
    /// which the shard would have seen anyway).
    /// </summary>
    public static float ClipByGlobalNorm(IBackend backend, IReadOnlyList<Tensor> gradients, Tensor scratch, float maxNorm)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNorm);
        backend.Fill(scratch, 0f);
        for (var i = 0; i < gradients.Count; i++)
        {
            backend.SumOfSquares(gradients[i], scratch, accumulate: true);
        }

        Span<float> sum = stackalloc float[1];
        backend.Download(scratch, sum);
        var norm = MathF.Sqrt(sum[0]);
        var scale = maxNorm / (norm + 1e-6f);
        if (!(scale >= 1f))
        {
            for (var i = 0; i < gradients.Count; i++)
            {
                backend.Scale(gradients[i], scale);
            }
        }

        return norm;
    }
}
