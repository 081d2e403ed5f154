// Threshold kernels: the CPU backend's step and sign compares, one thread per element.
using ILGPU;

namespace Dtrain.Models.Backends.Ilgpu;

internal static partial class IlgpuKernels
{
    /// <summary>y = x &gt; threshold ? 1 : 0.</summary>
    public static void Step(Index1D i, ArrayView<float> x, ArrayView<float> y, float threshold) =>
        y[i] = x[i] > threshold ? 1f : 0f;

    /// <summary>y = x &gt;= threshold ? 1 : -1.</summary>
    public static void Sign(Index1D i, ArrayView<float> x, ArrayView<float> y, float threshold) =>
        y[i] = x[i] >= threshold ? 1f : -1f;
}
