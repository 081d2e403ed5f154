// Kernels of gradient clipping by global norm: a sum of squares that stays on the device, and a scale.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

public partial interface IBackend
{
    /// <summary>
    /// result[0] = (accumulate ? result[0] : 0) + sum of x[i]^2. The sum stays in a one-float tensor so the
    /// squares of many tensors add up on the device and cross to the host once.
    /// </summary>
    void SumOfSquares(Tensor x, Tensor result, bool accumulate);

    /// <summary>x *= alpha, in place.</summary>
    void Scale(Tensor x, float alpha);
}
