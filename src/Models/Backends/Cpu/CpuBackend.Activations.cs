// Activation kernels of the CPU backend: ReLU, sigmoid and tanh forward and backward, the identity's scaled copy,
// and the row-wise softmax.
using System.Runtime.InteropServices;
using static Dtrain.Models.Backends.KernelArguments;
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

    /// <inheritdoc/>
    public void ScaleInto(Tensor x, float alpha, Tensor y, bool accumulate)
    {
        var xs = Span(x);
        var ys = Span(y);
        CheckLength(xs.Length, ys.Length, nameof(ScaleInto));
        var body = new ScaleIntoBody(xs, alpha, ys, accumulate);
        LaneLoop.Map(xs.Length, ref body);
    }

    /// <inheritdoc/>
    public void Softmax(Tensor x, Tensor y, int rows, int cols)
    {
        var xs = Span(x);
        var ys = Span(y);
        for (var r = 0; r < rows; r++)
        {
            var row = xs.Slice(r * cols, cols);
            var output = ys.Slice(r * cols, cols);

            // Subtracting the row max keeps every exponent <= 0: no overflow, and the largest term is 1.
            var sum = ExpShifted(row, output, Max(row));
            Affine(output, 1f / sum, output, 0f, 0f, output, accumulate: false);
        }
    }

    /// <inheritdoc/>
    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int rows, int cols, bool accumulate)
    {
        var ys = Span(y);
        var dys = Span(dy);
        var dxs = Span(dx);
        for (var r = 0; r < rows; r++)
        {
            var yr = ys.Slice(r * cols, cols);
            var dyr = dys.Slice(r * cols, cols);
            var dxr = dxs.Slice(r * cols, cols);

            // J = diag(y) - y y^T, so J dy = y * (dy - <dy, y>).
            MultiplyShifted(yr, dyr, Dot(yr, dyr), dxr, accumulate);
        }
    }

    private readonly ref struct ScaleIntoBody(ReadOnlySpan<float> x, float alpha, Span<float> y, bool accumulate) : ILaneMap
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _y = ref MemoryMarshal.GetReference(y);
        private readonly float _alpha = alpha;
        private readonly bool _accumulate = accumulate;

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var x = ref _x;
            ref var y = ref _y;
            var alpha = _alpha;
            var accumulate = _accumulate;
            for (var i = start; i < end; i += T.Count)
            {
                var v = T.Load(ref x, i) * T.Splat(alpha);
                (accumulate ? v + T.Load(ref y, i) : v).Store(ref y, i);
            }
        }
    }
}
