// Threshold kernels of the CPU backend: step and sign as one vector compare and select per lane group.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void Step(Tensor x, Tensor y, float threshold) => Threshold(x, y, threshold, inclusive: false, low: 0f, nameof(Step));

    /// <inheritdoc/>
    public void Sign(Tensor x, Tensor y, float threshold) => Threshold(x, y, threshold, inclusive: true, low: -1f, nameof(Sign));

    // y = (x > t, or x >= t when inclusive) ? 1 : low. Compares are exact, so every width gives the same bits.
    private static void Threshold(Tensor x, Tensor y, float threshold, bool inclusive, float low, string kernel)
    {
        var xs = Span(x);
        var ys = Span(y);
        CheckLength(xs.Length, ys.Length, kernel);
        ref var xr = ref MemoryMarshal.GetReference(xs);
        ref var yr = ref MemoryMarshal.GetReference(ys);
        var (n, i) = (xs.Length, 0);
        if (Vector256.IsHardwareAccelerated)
        {
            var (t, one, lo) = (Vector256.Create(threshold), Vector256<float>.One, Vector256.Create(low));
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                var above = inclusive ? Vector256.GreaterThanOrEqual(v, t) : Vector256.GreaterThan(v, t);
                Vector256.ConditionalSelect(above, one, lo).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var v = Unsafe.Add(ref xr, i);
            Unsafe.Add(ref yr, i) = (inclusive ? v >= threshold : v > threshold) ? 1f : low;
        }
    }
}
