// Kernels of the hard threshold units: step (0 / 1) and sign (-1 / 1).
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

public partial interface IBackend
{
    /// <summary>y = x &gt; threshold ? 1 : 0, elementwise (NaN gives 0).</summary>
    void Step(Tensor x, Tensor y, float threshold);

    /// <summary>y = x &gt;= threshold ? 1 : -1, elementwise (NaN gives -1).</summary>
    void Sign(Tensor x, Tensor y, float threshold);
}
