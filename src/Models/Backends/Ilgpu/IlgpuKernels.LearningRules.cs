// Kernels of the classic learning rules: the CPU backend's perceptron and Hopfield loops, one thread per element.
using ILGPU;

namespace Dtrain.Models.Backends.Ilgpu;

internal static partial class IlgpuKernels
{
    /// <summary>
    /// Unit i of the perceptron: wrong[i] = step(z) != t, and with flags bit 0, dz (+)= -(t - step(z)) scale
    /// (bit 1: accumulate).
    /// </summary>
    public static void Perceptron(Index1D i, ArrayView<float> z, ArrayView<float> t, ArrayView<float> wrong, ArrayView<float> dz, int flags, float scale)
    {
        var y = z[i] > 0f ? 1f : 0f;
        wrong[i] = y != t[i] ? 1f : 0f;
        if ((flags & 1) != 0)
        {
            var g = -(t[i] - y) * scale;
            dz[i] = (flags & 2) != 0 ? dz[i] + g : g;
        }
    }

    /// <summary>dW (+)= outer off the diagonal of an (n x n) matrix.</summary>
    public static void HopfieldWeightGradient(Index1D i, ArrayView<float> outer, ArrayView<float> dW, int n, int accumulate)
    {
        int at = i;
        var g = at / n == at % n ? 0f : outer[i];
        dW[i] = accumulate != 0 ? dW[i] + g : g;
    }
}
