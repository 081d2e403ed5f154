// Reduction kernels of the CPU backend: sum one axis of an (outer, length, inner) view, and its adjoint.
using System.Runtime.Intrinsics;
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void ReduceAxis(Tensor x, Tensor y, int outer, int length, int inner, float alpha, bool accumulate)
    {
        CheckLength(x.Length, outer * length * inner, nameof(ReduceAxis));
        CheckLength(y.Length, outer * inner, nameof(ReduceAxis));
        var xs = Span(x);
        var ys = Span(y);
        for (var o = 0; o < outer; o++)
        {
            var block = xs.Slice(o * length * inner, length * inner);
            if (inner == 1)
            {
                // Summing a contiguous run: a horizontal vector sum.
                var v = alpha * Sum(block);
                ys[o] = accumulate ? ys[o] + v : v;
                continue;
            }

            var row = ys.Slice(o * inner, inner);
            for (var a = 0; a < length; a++)
            {
                Axpy(alpha, block.Slice(a * inner, inner), row, accumulate || a > 0);
            }

            if (length == 0 && !accumulate)
            {
                row.Clear();
            }
        }
    }

    /// <inheritdoc/>
    public void BroadcastAxis(Tensor dy, Tensor dx, int outer, int length, int inner, float alpha, bool accumulate)
    {
        CheckLength(dy.Length, outer * inner, nameof(BroadcastAxis));
        CheckLength(dx.Length, outer * length * inner, nameof(BroadcastAxis));
        var dys = Span(dy);
        var dxs = Span(dx);
        for (var o = 0; o < outer; o++)
        {
            var source = dys.Slice(o * inner, inner);
            for (var a = 0; a < length; a++)
            {
                Axpy(alpha, source, dxs.Slice(((o * length) + a) * inner, inner), accumulate);
            }
        }
    }
}
