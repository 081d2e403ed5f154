// Activation kernels: ReLU, sigmoid and tanh, leaky ReLU, ELU and PReLU one thread per element, softmax one
// thread per row. Each mirrors a CPU kernel's formula exactly.
using ILGPU;
using ILGPU.Algorithms;

namespace Dtrain.Models.Backends.Ilgpu;

internal static partial class IlgpuKernels
{
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

    /// <summary>Softmax of row r, shifted by the row max so every exponent is at most 0.</summary>
    public static void SoftmaxRow(Index1D r, ArrayView<float> x, ArrayView<float> y, int cols)
    {
        var start = r * cols;
        var max = float.NegativeInfinity;
        for (var c = 0; c < cols; c++)
        {
            max = XMath.Max(max, x[start + c]);
        }

        var sum = 0f;
        for (var c = 0; c < cols; c++)
        {
            var e = XMath.Exp(x[start + c] - max);
            y[start + c] = e;
            sum += e;
        }

        var inv = 1f / sum;
        for (var c = 0; c < cols; c++)
        {
            y[start + c] *= inv;
        }
    }

    /// <summary>Softmax backward of row r: dx (+)= y (dy - &lt;dy, y&gt;).</summary>
    public static void SoftmaxBackwardRow(Index1D r, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, int cols, int accumulate)
    {
        var start = r * cols;
        var dot = 0f;
        for (var c = 0; c < cols; c++)
        {
            dot += dy[start + c] * y[start + c];
        }

        for (var c = 0; c < cols; c++)
        {
            var g = y[start + c] * (dy[start + c] - dot);
            dx[start + c] = accumulate != 0 ? dx[start + c] + g : g;
        }
    }
}
