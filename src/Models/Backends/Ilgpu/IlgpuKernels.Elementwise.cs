// Pointwise ILGPU kernels, one thread per element: fills, scaled adds, and the broadcast arithmetic of the
// atomic ops. Each mirrors a CPU kernel's formula exactly.
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
}
