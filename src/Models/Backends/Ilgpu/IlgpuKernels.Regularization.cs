// Dropout kernels: the mask from a hash of seed and index (the CPU backend's LowBias32 rounds), and its
// application.
using ILGPU;

namespace Dtrain.Models.Backends.Ilgpu;

internal static partial class IlgpuKernels
{
    /// <summary>
    /// The CPU backend's dropout mask bit for bit: keep element i when two rounds of lowbias32 keyed by the seed's
    /// halves give a hash at or above the threshold (rate * 2^32).
    /// </summary>
    public static void DropoutMask(Index1D i, ArrayView<float> mask, uint k0, uint k1, uint threshold, float keep)
    {
        var h = LowBias32(LowBias32((uint)i.X ^ k0) ^ k1);
        mask[i] = h >= threshold ? keep : 0f;
    }

    /// <summary>y (+)= x * mask.</summary>
    public static void DropoutApply(Index1D i, ArrayView<float> x, ArrayView<float> mask, ArrayView<float> y, int accumulate)
    {
        var v = x[i] * mask[i];
        y[i] = accumulate != 0 ? y[i] + v : v;
    }

    /// <summary>Wellons' lowbias32, the CPU backend's mask hash.</summary>
    private static uint LowBias32(uint x)
    {
        x ^= x >> 16;
        x *= 0x7feb352dU;
        x ^= x >> 15;
        x *= 0x846ca68bU;
        return x ^ (x >> 16);
    }
}
