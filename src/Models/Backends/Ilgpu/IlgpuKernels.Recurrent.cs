// Recurrent step kernels, one thread per (example, unit) of a time step: the gate math of the CPU backend's
// RecurrentCells on strided row views, with its sigmoid and its overflow-free tanh.
using ILGPU;
using ILGPU.Algorithms;

namespace Dtrain.Models.Backends.Ilgpu;

/// <summary>Row strides of up to six <see cref="StridedMatrix"/> operands of a step kernel, in argument order.</summary>
internal readonly record struct RowStrides(int S0, int S1, int S2, int S3, int S4, int S5);

internal static partial class IlgpuKernels
{
    /// <summary>a = tanh(gates + bias) into the gate row and into h.</summary>
    public static void RnnForward(Index1D i, ArrayView<float> gates, ArrayView<float> bias, ArrayView<float> h, RowStrides s, int units)
    {
        int r = i / units, j = i - (r * units);
        var a = Tanh(gates[(r * s.S0) + j] + bias[j]);
        gates[(r * s.S0) + j] = a;
        h[(r * s.S2) + j] = a;
    }

    /// <summary>dGates = dh (1 - a^2).</summary>
    public static void RnnBackward(Index1D i, ArrayView<float> gates, ArrayView<float> dh, ArrayView<float> dGates, RowStrides s, int units)
    {
        int r = i / units, j = i - (r * units);
        var a = gates[(r * s.S0) + j];
        dGates[(r * s.S2) + j] = dh[(r * s.S1) + j] * (1f - (a * a));
    }

    /// <summary>LSTM step: gates [i | f | g | o] + bias through their activations; c = f c' + i g; h = o tanh(c). Strides: gates, cPrev, c, h.</summary>
    public static void LstmForward(Index1D t, ArrayView<float> gates, ArrayView<float> bias, ArrayView<float> cPrev, ArrayView<float> c, ArrayView<float> h, RowStrides s, int u)
    {
        int r = t / u, j = t - (r * u), at = r * s.S0;
        var i = Sigmoid(gates[at + j] + bias[j]);
        var f = Sigmoid(gates[at + u + j] + bias[u + j]);
        var g = Tanh(gates[at + (2 * u) + j] + bias[(2 * u) + j]);
        var o = Sigmoid(gates[at + (3 * u) + j] + bias[(3 * u) + j]);
        var cNew = (f * cPrev[(r * s.S1) + j]) + (i * g);
        gates[at + j] = i;
        gates[at + u + j] = f;
        gates[at + (2 * u) + j] = g;
        gates[at + (3 * u) + j] = o;
        c[(r * s.S2) + j] = cNew;
        h[(r * s.S3) + j] = o * Tanh(cNew);
    }

    /// <summary>LSTM step backward (RecurrentCells.LstmBackward). Strides: gates, cPrev, c, dh, dc, dGates.</summary>
    public static void LstmBackward(Index1D t, ArrayView<float> gates, ArrayView<float> cPrev, ArrayView<float> c, ArrayView<float> dh, ArrayView<float> dc, ArrayView<float> dGates, RowStrides s, int u)
    {
        int r = t / u, j = t - (r * u), at = r * s.S0, dAt = r * s.S5;
        float i = gates[at + j], f = gates[at + u + j], g = gates[at + (2 * u) + j], o = gates[at + (3 * u) + j];
        var tc = Tanh(c[(r * s.S2) + j]);
        var dhv = dh[(r * s.S3) + j];
        var dcv = dc[(r * s.S4) + j] + (dhv * o * (1f - (tc * tc)));
        dGates[dAt + j] = dcv * g * i * (1f - i);
        dGates[dAt + u + j] = dcv * cPrev[(r * s.S1) + j] * f * (1f - f);
        dGates[dAt + (2 * u) + j] = dcv * i * (1f - (g * g));
        dGates[dAt + (3 * u) + j] = dhv * tc * o * (1f - o);
        dc[(r * s.S4) + j] = dcv * f;
    }

    /// <summary>GRU step (RecurrentCells.GruForward). Strides: gates, hU, hPrev, hn, h.</summary>
    public static void GruForward(Index1D t, ArrayView<float> gates, ArrayView<float> bias, ArrayView<float> hU, ArrayView<float> recurrentBias, ArrayView<float> hPrev, ArrayView<float> hn, ArrayView<float> h, RowStrides s, int u)
    {
        int r = t / u, j = t - (r * u), at = r * s.S0, hAt = r * s.S1;
        var reset = Sigmoid(gates[at + j] + bias[j] + hU[hAt + j] + recurrentBias[j]);
        var z = Sigmoid(gates[at + u + j] + bias[u + j] + hU[hAt + u + j] + recurrentBias[u + j]);
        var hnv = hU[hAt + (2 * u) + j] + recurrentBias[(2 * u) + j];
        var n = Tanh(gates[at + (2 * u) + j] + bias[(2 * u) + j] + (reset * hnv));
        gates[at + j] = reset;
        gates[at + u + j] = z;
        gates[at + (2 * u) + j] = n;
        hn[(r * s.S3) + j] = hnv;
        h[(r * s.S4) + j] = n + (z * (hPrev[(r * s.S2) + j] - n));
    }

    /// <summary>GRU step backward (RecurrentCells.GruBackward). Strides: gates, hn, hPrev, dh, dGates, dRecurrent.</summary>
    public static void GruBackward(Index1D t, ArrayView<float> gates, ArrayView<float> hn, ArrayView<float> hPrev, ArrayView<float> dh, ArrayView<float> dGates, ArrayView<float> dRecurrent, RowStrides s, int u)
    {
        int r = t / u, j = t - (r * u), at = r * s.S0, dAt = r * s.S4, rAt = r * s.S5;
        float reset = gates[at + j], z = gates[at + u + j], n = gates[at + (2 * u) + j];
        var dhv = dh[(r * s.S3) + j];
        var dn = dhv * (1f - z) * (1f - (n * n));
        var dr = dn * hn[(r * s.S1) + j] * reset * (1f - reset);
        var dz = dhv * (hPrev[(r * s.S2) + j] - n) * z * (1f - z);
        dGates[dAt + j] = dr;
        dGates[dAt + u + j] = dz;
        dGates[dAt + (2 * u) + j] = dn;
        dRecurrent[rAt + j] = dr;
        dRecurrent[rAt + u + j] = dz;
        dRecurrent[rAt + (2 * u) + j] = dn * reset;
        dh[(r * s.S3) + j] = dhv * z;
    }

    /// <summary>1 / (1 + e^-x), as GateMath.Sigmoid.</summary>
    private static float Sigmoid(float x) => 1f / (1f + XMath.Exp(-x));

    /// <summary>1 - 2 / (1 + e^2x), as GateMath.Tanh: saturates to +-1 without NaN.</summary>
    private static float Tanh(float x) => 1f - (2f / (1f + XMath.Exp(x + x)));
}
