// Kernels of the sampling ops: Bernoulli units (bernoulli, the rbm's hidden samples) and Gaussian noise (normal).
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

public partial interface IBackend
{
    /// <summary>
    /// y[i] = u_i &lt; p[i] ? 1 : 0 with u_i uniform in [0, 1) on a 2^-24 grid. u_i depends only on
    /// (<paramref name="seed"/>, i), as the dropout mask does, so every backend draws the same sample for the same seed.
    /// </summary>
    void Bernoulli(Tensor p, Tensor y, ulong seed);

    /// <summary>
    /// y[i] = mean + std * z_i with z_i standard normal by the Box-Muller transform of two uniforms drawn from
    /// (<paramref name="seed"/>, i), computed with the same float operations on every backend.
    /// </summary>
    void Normal(Tensor y, float mean, float std, ulong seed);
}
