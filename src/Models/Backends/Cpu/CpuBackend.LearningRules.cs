// The perceptron and Hopfield kernels of the CPU backend: plain loops (both are a pass over a matrix).
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void Perceptron(Tensor z, Tensor t, int rows, int cols, Tensor loss, Tensor? dz, bool accumulate)
    {
        // z, t, dz: (rows, cols)  loss: ()
        var count = rows * cols;
        CheckHolds(z, count, "z", nameof(Perceptron));
        CheckHolds(t, count, "t", nameof(Perceptron));
        var zs = Span(z)[..count];
        var ts = Span(t)[..count];
        var ds = dz is { } d ? Span(d)[..count] : default;
        var scale = 1f / rows;
        var wrong = 0;
        for (var i = 0; i < count; i++)
        {
            var y = zs[i] > 0f ? 1f : 0f;
            wrong += y != ts[i] ? 1 : 0;
            if (dz is not null)
            {
                var g = -(ts[i] - y) * scale;
                ds[i] = accumulate ? ds[i] + g : g;
            }
        }

        Span(loss)[0] = (float)wrong / count;
    }

    /// <inheritdoc/>
    public void HopfieldWeightGradient(Tensor outer, Tensor dW, int n, bool accumulate)
    {
        // outer, dW: (n, n)
        CheckLength(outer.Length, n * n, nameof(HopfieldWeightGradient));
        CheckLength(dW.Length, n * n, nameof(HopfieldWeightGradient));
        var o = Span(outer);
        var d = Span(dW);
        for (var i = 0; i < n * n; i++)
        {
            var g = i / n == i % n ? 0f : o[i];
            d[i] = accumulate ? d[i] + g : g;
        }
    }
}
