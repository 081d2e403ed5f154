// Kernels of dropout: a mask drawn from a counter-based generator, and its application.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

public partial interface IBackend
{
    /// <summary>
    /// Fills <paramref name="mask"/> with inverted-dropout factors: 0 with probability <paramref name="rate"/>,
    /// 1 / (1 - rate) otherwise. Element i depends only on (<paramref name="seed"/>, i), so every backend
    /// draws the same mask for the same seed, in any order or in parallel.
    /// </summary>
    void DropoutMask(Tensor mask, float rate, ulong seed);

    /// <summary>y = (accumulate ? y : 0) + x * mask, elementwise (dropout forward, and backward with dy for x).</summary>
    void DropoutApply(Tensor x, Tensor mask, Tensor y, bool accumulate);
}
