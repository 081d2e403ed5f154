// Kernels of the sum and mean ops: reduce one axis of an (outer, axis, inner) view, and spread it back.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

public partial interface IBackend
{
    /// <summary>
    /// Views x as (outer, length, inner) and writes y[o, i] = (accumulate ? y[o, i] : 0) + alpha * sum over
    /// a of x[o, a, i]. Summing a whole example is inner = 1; a bias gradient is outer = 1.
    /// </summary>
    void ReduceAxis(Tensor x, Tensor y, int outer, int length, int inner, float alpha, bool accumulate);

    /// <summary>
    /// The adjoint of <see cref="ReduceAxis"/>: dx[o, a, i] = (accumulate ? dx[o, a, i] : 0) + alpha * dy[o, i]
    /// for every a &lt; <paramref name="length"/>.
    /// </summary>
    void BroadcastAxis(Tensor dy, Tensor dx, int outer, int length, int inner, float alpha, bool accumulate);
}
