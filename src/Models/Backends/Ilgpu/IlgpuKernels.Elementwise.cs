// Pointwise ILGPU kernels, one thread per element: fills, scaled adds, activations and their gradients, the
// broadcast arithmetic of the atomic ops, and dropout. Each mirrors a CPU kernel's formula exactly.
using ILGPU;
using ILGPU.Algorithms;

namespace Dtrain.Models.Backends.Ilgpu;

/// <summary>
/// The kernels of <see cref="IlgpuBackend"/>. Each takes its index first, as ILGPU's samples do; flags are ints
/// (0 or 1) so one compiled kernel serves both settings, and an <c>accumulate</c> flag adds into the output
/// instead of overwriting it.
/// </summary>
internal static partial class IlgpuKernels
{
    /// <summary>y[i] = value.</summary>
    public static void Fill(Index1D i, ArrayView<float> y, float value) => y[i] = value;

    /// <summary>y[i] = value, for the 64-bit fault slots.</summary>
    public static void FillLong(Index1D i, ArrayView<long> y, long value) => y[i] = value;

    /// <summary>y[i] = value, for 32-bit counters.</summary>
    public static void FillInt(Index1D i, ArrayView<int> y, int value) => y[i] = value;

    /// <summary>y = (accumulate ? y : 0) + alpha x; in place when x and y are the same view.</summary>
    public static void Axpy(Index1D i, ArrayView<float> x, ArrayView<float> y, float alpha, int accumulate)
    {
        var v = alpha * x[i];
        y[i] = accumulate != 0 ? y[i] + v : v;
    }

    /// <summary>x[r, c] += bias[c] over a (rows x cols) matrix.</summary>
    public static void AddBias(Index1D i, ArrayView<float> x, ArrayView<float> bias, int cols) => x[i] += bias[i % cols];

    /// <summary>y = f(x) for <see cref="Activation"/> f (0 ReLU, 1 sigmoid, 2 tanh).</summary>
    public static void Activate(Index1D i, ArrayView<float> x, ArrayView<float> y, int f)
    {
        var v = x[i];
        y[i] = f == 0 ? (v > 0f ? v : 0f) : f == 1 ? 1f / (1f + XMath.Exp(-v)) : XMath.Tanh(v);
    }

    /// <summary>dx (+)= dy f'(x), with f' from y where cheaper: y (1 - y) for sigmoid, 1 - y^2 for tanh.</summary>
    public static void ActivateBackward(Index1D i, ArrayView<float> x, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, int f, int accumulate)
    {
        var yi = y[i];
        var slope = f == 0 ? (x[i] > 0f ? 1f : 0f) : f == 1 ? yi * (1f - yi) : 1f - (yi * yi);
        var g = dy[i] * slope;
        dx[i] = accumulate != 0 ? dx[i] + g : g;
    }

    /// <summary>y (+)= f(a, b) (0 add, 1 subtract, 2 multiply) over (rows x cols); a broadcast operand is one row.</summary>
    public static void Binary(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, int f, int aBroadcast, int bBroadcast, int cols, int accumulate)
    {
        int at = i;
        var av = a[aBroadcast != 0 ? at % cols : at];
        var bv = b[bBroadcast != 0 ? at % cols : at];
        var v = f == 0 ? av + bv : f == 1 ? av - bv : av * bv;
        y[i] = accumulate != 0 ? y[i] + v : v;
    }

    /// <summary>y = e^x (f = 0) or ln x (f = 1).</summary>
    public static void Unary(Index1D i, ArrayView<float> x, ArrayView<float> y, int f) =>
        y[i] = f == 0 ? XMath.Exp(x[i]) : XMath.Log(x[i]);

    /// <summary>dx (+)= dy y for exp, dy / x for log.</summary>
    public static void UnaryBackward(Index1D i, ArrayView<float> x, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, int f, int accumulate)
    {
        var g = f == 0 ? dy[i] * y[i] : dy[i] / x[i];
        dx[i] = accumulate != 0 ? dx[i] + g : g;
    }

    /// <summary>y = x where x &gt; 0, alpha x elsewhere.</summary>
    public static void LeakyRelu(Index1D i, ArrayView<float> x, ArrayView<float> y, float alpha)
    {
        var v = x[i];
        y[i] = v > 0f ? v : alpha * v;
    }

    /// <summary>dx (+)= dy (x &gt; 0 ? 1 : alpha).</summary>
    public static void LeakyReluBackward(Index1D i, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx, float alpha, int accumulate)
    {
        var g = dy[i] * (x[i] > 0f ? 1f : alpha);
        dx[i] = accumulate != 0 ? dx[i] + g : g;
    }

    /// <summary>y = x where x &gt; 0, alpha (e^x - 1) elsewhere; exp of min(x, 0) so positive x cannot overflow.</summary>
    public static void Elu(Index1D i, ArrayView<float> x, ArrayView<float> y, float alpha)
    {
        var v = x[i];
        y[i] = v > 0f ? v : alpha * (XMath.Exp(XMath.Min(v, 0f)) - 1f);
    }

    /// <summary>dx (+)= dy (x &gt; 0 ? 1 : y + alpha), since alpha e^x = y + alpha below zero.</summary>
    public static void EluBackward(Index1D i, ArrayView<float> x, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, float alpha, int accumulate)
    {
        var g = dy[i] * (x[i] > 0f ? 1f : y[i] + alpha);
        dx[i] = accumulate != 0 ? dx[i] + g : g;
    }

    /// <summary>PReLU over x viewed as (rows, channels, inner): the slope of element i is slope[(i / inner) % channels].</summary>
    public static void Prelu(Index1D i, ArrayView<float> x, ArrayView<float> slope, ArrayView<float> y, int channels, int inner)
    {
        var v = x[i];
        y[i] = v > 0f ? v : slope[(i / inner) % channels] * v;
    }

    /// <summary>PReLU's input gradient: dx (+)= dy (x &gt; 0 ? 1 : slope[channel]).</summary>
    public static void PreluBackward(Index1D i, ArrayView<float> x, ArrayView<float> slope, ArrayView<float> dy, ArrayView<float> dx, int channels, int inner, int accumulate)
    {
        var g = dy[i] * (x[i] > 0f ? 1f : slope[(i / inner) % channels]);
        dx[i] = accumulate != 0 ? dx[i] + g : g;
    }

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

    /// <summary>dx[o, a, j] (+)= alpha dy[o, j] over an (outer, length, inner) dx.</summary>
    public static void BroadcastAxis(Index1D i, ArrayView<float> dy, ArrayView<float> dx, int length, int inner, float alpha, int accumulate)
    {
        var o = i / (length * inner);
        var v = alpha * dy[(o * inner) + (i % inner)];
        dx[i] = accumulate != 0 ? dx[i] + v : v;
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
