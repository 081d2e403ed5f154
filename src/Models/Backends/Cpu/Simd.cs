// Vector kernels shared by the CPU backend: the widest hardware vector, then a scalar tail.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dtrain.Models.Backends.Cpu;

/// <summary>Pointwise loops written once with Vector512 and Vector256 paths.</summary>
public static class Simd
{
    /// <summary>target[i] += source[i].</summary>
    public static void AddInPlace(Span<float> target, ReadOnlySpan<float> source)
    {
        var n = Math.Min(target.Length, source.Length);
        ref var t = ref MemoryMarshal.GetReference(target);
        ref var s = ref MemoryMarshal.GetReference(source);
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                (Vector512.LoadUnsafe(ref t, (nuint)i) + Vector512.LoadUnsafe(ref s, (nuint)i)).StoreUnsafe(ref t, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                (Vector256.LoadUnsafe(ref t, (nuint)i) + Vector256.LoadUnsafe(ref s, (nuint)i)).StoreUnsafe(ref t, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref t, i) += Unsafe.Add(ref s, i);
        }
    }

    /// <summary>y[i] = max(0, x[i]).</summary>
    public static void Relu(ReadOnlySpan<float> x, Span<float> y)
    {
        var n = x.Length;
        ref var xs = ref MemoryMarshal.GetReference(x);
        ref var ys = ref MemoryMarshal.GetReference(y);
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                Vector512.Max(Vector512.LoadUnsafe(ref xs, (nuint)i), Vector512<float>.Zero).StoreUnsafe(ref ys, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                Vector256.Max(Vector256.LoadUnsafe(ref xs, (nuint)i), Vector256<float>.Zero).StoreUnsafe(ref ys, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ys, i) = MathF.Max(Unsafe.Add(ref xs, i), 0f);
        }
    }

    /// <summary>dx[i] = (accumulate ? dx[i] : 0) + (x[i] &gt; 0 ? dy[i] : 0).</summary>
    public static void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, bool accumulate)
    {
        var n = x.Length;
        ref var xs = ref MemoryMarshal.GetReference(x);
        ref var dys = ref MemoryMarshal.GetReference(dy);
        ref var dxs = ref MemoryMarshal.GetReference(dx);
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var mask = Vector512.GreaterThan(Vector512.LoadUnsafe(ref xs, (nuint)i), Vector512<float>.Zero);
                var g = Vector512.LoadUnsafe(ref dys, (nuint)i) & mask;
                if (accumulate)
                {
                    g += Vector512.LoadUnsafe(ref dxs, (nuint)i);
                }

                g.StoreUnsafe(ref dxs, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                var mask = Vector256.GreaterThan(Vector256.LoadUnsafe(ref xs, (nuint)i), Vector256<float>.Zero);
                var g = Vector256.LoadUnsafe(ref dys, (nuint)i) & mask;
                if (accumulate)
                {
                    g += Vector256.LoadUnsafe(ref dxs, (nuint)i);
                }

                g.StoreUnsafe(ref dxs, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var g = Unsafe.Add(ref xs, i) > 0f ? Unsafe.Add(ref dys, i) : 0f;
            Unsafe.Add(ref dxs, i) = accumulate ? Unsafe.Add(ref dxs, i) + g : g;
        }
    }
}
