// Clipping kernels of the CPU backend: the sum of squares of a gradient and an in-place scale.
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void SumOfSquares(Tensor x, Tensor result, bool accumulate)
    {
        CheckLength(result.Length, 1, nameof(SumOfSquares));
        var xs = Span(x);
        var i = 0;

        // Float lanes hold partial sums of a few thousand squares each at most per lane; the lanes are
        // combined in double so a model of millions of parameters still sums to float accuracy.
        double total = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= xs.Length - 16; i += 16)
            {
                var v = Vector512.Create(xs.Slice(i, 16));
                acc += v * v;
                if ((i & 0xFFFF) == 0xFFF0)
                {
                    total += Vector512.Sum(acc);
                    acc = Vector512<float>.Zero;
                }
            }

            total += Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= xs.Length - 8; i += 8)
            {
                var v = Vector256.Create(xs.Slice(i, 8));
                acc += v * v;
                if ((i & 0xFFFF) == 0xFFF8)
                {
                    total += Vector256.Sum(acc);
                    acc = Vector256<float>.Zero;
                }
            }

            total += Vector256.Sum(acc);
        }

        for (; i < xs.Length; i++)
        {
            total += (double)xs[i] * xs[i];
        }

        ref var r = ref MemoryMarshal.GetReference(Span(result));
        r = (float)(accumulate ? r + total : total);
    }

    /// <inheritdoc/>
    public void Scale(Tensor x, float alpha)
    {
        var xs = Span(x);
        Axpy(alpha, xs, xs, accumulate: false);
    }
}
