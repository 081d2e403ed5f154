// Activation kernels of the CPU backend, forward and backward.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void Activate(Activation f, Tensor x, Tensor y)
    {
        if (SplitsPointwise(x.Length))
        {
            ActivateInParts(f, x, y);
            return;
        }

        ActivateRange(f, x, y);
    }

    private void ActivateRange(Activation f, Tensor x, Tensor y)
    {
        var xs = Span(x);
        var ys = Span(y);
        switch (f)
        {
            case Activation.Relu:
                Simd.Relu(xs, ys);
                break;
            case Activation.Sigmoid:
                for (var i = 0; i < xs.Length; i++)
                {
                    ys[i] = 1f / (1f + MathF.Exp(-xs[i]));
                }

                break;
            case Activation.Tanh:
                for (var i = 0; i < xs.Length; i++)
                {
                    ys[i] = MathF.Tanh(xs[i]);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(f), f, "unknown activation");
        }
    }

    /// <inheritdoc/>
    public void ActivateBackward(Activation f, Tensor x, Tensor y, Tensor dy, Tensor dx, bool accumulate)
    {
        if (SplitsPointwise(x.Length))
        {
            ActivateBackwardInParts(f, x, y, dy, dx, accumulate);
            return;
        }

        ActivateBackwardRange(f, x, y, dy, dx, accumulate);
    }

    private void ActivateBackwardRange(Activation f, Tensor x, Tensor y, Tensor dy, Tensor dx, bool accumulate)
    {
        var xs = Span(x);
        var ys = Span(y);
        var dys = Span(dy);
        var dxs = Span(dx);
        switch (f)
        {
            case Activation.Relu:
                Simd.ReluBackward(xs, dys, dxs, accumulate);
                return;
            case Activation.Sigmoid:
                // d sigmoid = y (1 - y): reuses the forward output instead of another exp.
                for (var i = 0; i < xs.Length; i++)
                {
                    var g = dys[i] * ys[i] * (1f - ys[i]);
                    dxs[i] = accumulate ? dxs[i] + g : g;
                }

                return;
            case Activation.Tanh:
                // d tanh = 1 - y^2.
                for (var i = 0; i < xs.Length; i++)
                {
                    var g = dys[i] * (1f - (ys[i] * ys[i]));
                    dxs[i] = accumulate ? dxs[i] + g : g;
                }

                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(f), f, "unknown activation");
        }
    }
}
