// Row-wise kernels of the losses: one thread per row, since rows are a class count wide; the
// loss itself is the mean of the per-row (or per-element) terms, summed by the segment reduction.
using ILGPU;
using ILGPU.Algorithms;

namespace Dtrain.Models.Backends.Ilgpu;

internal static partial class IlgpuKernels
{
    /// <summary>
    /// Softmax cross-entropy of row r: its loss term log-sum-exp - z[label] into terms[r] and, when
    /// <paramref name="withGradient"/>, (softmax - onehot) * scale (1 / rows) into dz. A label that is no class records a fault.
    /// </summary>
    public static void SoftmaxCrossEntropyRow(Index1D r, ArrayView<float> z, ArrayView<float> labels, ArrayView<float> terms, ArrayView<float> dz, ArrayView<long> faults, int classes, int withGradient, int accumulate, float scale)
    {
        var start = r * classes;
        var label = CheckedLabel(r, labels[r], classes, faults);
        var max = float.NegativeInfinity;
        for (var c = 0; c < classes; c++)
        {
            max = XMath.Max(max, z[start + c]);
        }

        var sum = 0f;
        for (var c = 0; c < classes; c++)
        {
            sum += XMath.Exp(z[start + c] - max);
        }

        terms[r] = XMath.Log(sum) + max - z[start + XMath.Max(label, 0)];
        if (withGradient == 0)
        {
            return;
        }

        var inv = 1f / sum;
        for (var c = 0; c < classes; c++)
        {
            var g = ((XMath.Exp(z[start + c] - max) * inv) - (c == label ? 1f : 0f)) * scale;
            dz[start + c] = accumulate != 0 ? dz[start + c] + g : g;
        }
    }

    /// <summary>correct += 1 when row r's first largest score is at its label.</summary>
    public static void CountCorrectRow(Index1D r, ArrayView<float> scores, ArrayView<float> labels, ArrayView<int> correct, ArrayView<long> faults, int classes)
    {
        var start = r * classes;
        var best = 0;
        for (var c = 1; c < classes; c++)
        {
            if (scores[start + c] > scores[start + best])
            {
                best = c;
            }
        }

        if (best == CheckedLabel(r, labels[r], classes, faults))
        {
            Atomic.Add(ref correct[0], 1);
        }
    }

    /// <summary>dp (+)= 2 (p - t) / count, mean squared error's gradient.</summary>
    public static void SquaredErrorGradient(Index1D i, ArrayView<float> p, ArrayView<float> t, ArrayView<float> dp, float scale, int accumulate)
    {
        var g = scale * (p[i] - t[i]);
        dp[i] = accumulate != 0 ? dp[i] + g : g;
    }

    /// <summary>
    /// Binary cross-entropy on logits, element i: max(z, 0) - z y + log(1 + e^-|z|) into terms, the gradients
    /// (sigmoid(z) - y) / count and -z / count when asked; a target outside [0, 1] records a fault.
    /// </summary>
    public static void BinaryCrossEntropyElement(Index1D i, ArrayView<float> z, ArrayView<float> y, ArrayView<float> terms, ArrayView<float> dz, ArrayView<float> dy, ArrayView<long> faults, int flags, float scale)
    {
        var (zi, yi) = (z[i], y[i]);
        if (!(yi >= 0f && yi <= 1f))
        {
            Atomic.Min(ref faults[IlgpuBackend.TargetFault], Fault(i, yi));
        }

        var e = XMath.Exp(-XMath.Abs(zi));
        terms[i] = XMath.Max(zi, 0f) - (zi * yi) + XMath.Log(1f + e);
        if ((flags & 1) != 0)
        {
            var sigmoid = zi >= 0f ? 1f / (1f + e) : e / (1f + e);
            var g = (sigmoid - yi) * scale;
            dz[i] = (flags & 2) != 0 ? dz[i] + g : g;
        }

        if ((flags & 4) != 0)
        {
            var g = -zi * scale;
            dy[i] = (flags & 8) != 0 ? dy[i] + g : g;
        }
    }

    /// <summary>The class id a float label names, or -1 after recording a fault for a value that is no class.</summary>
    private static int CheckedLabel(Index1D r, float value, int classes, ArrayView<long> faults)
    {
        var label = (int)value;
        if (value >= 0f && value < classes && label == value)
        {
            return label;
        }

        Atomic.Min(ref faults[IlgpuBackend.LabelFault], Fault(r, value));
        return -1;
    }

    /// <summary>A fault word: the position in the high half (so the first position is the smallest), the float's bits below.</summary>
    private static long Fault(int position, float value) => ((long)position << 32) | (uint)Interop.FloatAsInt(value);
}
