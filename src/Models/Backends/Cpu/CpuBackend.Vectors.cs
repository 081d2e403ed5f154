// Span-level vector primitives several CPU kernels share (dot products, sums, max, exp, affine maps): Vector512,
// else Vector256, then a scalar tail.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <summary>Sum of a * b.</summary>
    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        ref var ar = ref MemoryMarshal.GetReference(a);
        ref var br = ref MemoryMarshal.GetReference(b);
        var (n, i) = (a.Length, 0);
        var sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                acc += Vector512.LoadUnsafe(ref ar, (nuint)i) * Vector512.LoadUnsafe(ref br, (nuint)i);
            }

            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                acc += Vector256.LoadUnsafe(ref ar, (nuint)i) * Vector256.LoadUnsafe(ref br, (nuint)i);
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref ar, i) * Unsafe.Add(ref br, i);
        }

        return sum;
    }

    /// <summary>Sum of the elements.</summary>
    private static float Sum(ReadOnlySpan<float> a)
    {
        ref var ar = ref MemoryMarshal.GetReference(a);
        var (n, i) = (a.Length, 0);
        var sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                acc += Vector512.LoadUnsafe(ref ar, (nuint)i);
            }

            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                acc += Vector256.LoadUnsafe(ref ar, (nuint)i);
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref ar, i);
        }

        return sum;
    }

    /// <summary>Sum of (a - mean)^2: the second pass of a two-pass variance, exact where E[x^2] - mean^2 would cancel.</summary>
    private static float SquaredDeviation(ReadOnlySpan<float> a, float mean)
    {
        ref var ar = ref MemoryMarshal.GetReference(a);
        var (n, i) = (a.Length, 0);
        var sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var (acc, m) = (Vector512<float>.Zero, Vector512.Create(mean));
            for (; i <= n - 16; i += 16)
            {
                var d = Vector512.LoadUnsafe(ref ar, (nuint)i) - m;
                acc += d * d;
            }

            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var (acc, m) = (Vector256<float>.Zero, Vector256.Create(mean));
            for (; i <= n - 8; i += 8)
            {
                var d = Vector256.LoadUnsafe(ref ar, (nuint)i) - m;
                acc += d * d;
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            var d = Unsafe.Add(ref ar, i) - mean;
            sum += d * d;
        }

        return sum;
    }

    /// <summary>Largest element (the row max softmax subtracts).</summary>
    private static float Max(ReadOnlySpan<float> a)
    {
        ref var ar = ref MemoryMarshal.GetReference(a);
        var (n, i) = (a.Length, 0);
        var max = float.NegativeInfinity;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc = Vector512.Create(float.NegativeInfinity);
            for (; i <= n - 16; i += 16)
            {
                acc = Vector512.Max(acc, Vector512.LoadUnsafe(ref ar, (nuint)i));
            }

            for (var l = 0; l < 16; l++)
            {
                max = MathF.Max(max, acc[l]);
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256.Create(float.NegativeInfinity);
            for (; i <= n - 8; i += 8)
            {
                acc = Vector256.Max(acc, Vector256.LoadUnsafe(ref ar, (nuint)i));
            }

            for (var l = 0; l < 8; l++)
            {
                max = MathF.Max(max, acc[l]);
            }
        }

        for (; i < n; i++)
        {
            max = MathF.Max(max, Unsafe.Add(ref ar, i));
        }

        return max;
    }

    /// <summary>y = e^(x - shift); returns the sum of y.</summary>
    private static float ExpShifted(ReadOnlySpan<float> x, Span<float> y, float shift)
    {
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var yr = ref MemoryMarshal.GetReference(y);
        var (n, i) = (x.Length, 0);
        var sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var (acc, s) = (Vector512<float>.Zero, Vector512.Create(shift));
            for (; i <= n - 16; i += 16)
            {
                var e = Vector512.Exp(Vector512.LoadUnsafe(ref xr, (nuint)i) - s);
                e.StoreUnsafe(ref yr, (nuint)i);
                acc += e;
            }

            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var (acc, s) = (Vector256<float>.Zero, Vector256.Create(shift));
            for (; i <= n - 8; i += 8)
            {
                var e = Vector256.Exp(Vector256.LoadUnsafe(ref xr, (nuint)i) - s);
                e.StoreUnsafe(ref yr, (nuint)i);
                acc += e;
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            var e = MathF.Exp(Unsafe.Add(ref xr, i) - shift);
            Unsafe.Add(ref yr, i) = e;
            sum += e;
        }

        return sum;
    }

    /// <summary>
    /// y = (accumulate ? y : 0) + a * u + b * v + c: every per-slice affine map the normalization and
    /// softmax backward passes reduce to once their per-slice sums are known.
    /// </summary>
    private static void Affine(ReadOnlySpan<float> u, float a, ReadOnlySpan<float> v, float b, float c, Span<float> y, bool accumulate)
    {
        ref var ur = ref MemoryMarshal.GetReference(u);
        ref var vr = ref MemoryMarshal.GetReference(v);
        ref var yr = ref MemoryMarshal.GetReference(y);
        var (n, i) = (u.Length, 0);
        if (Vector512.IsHardwareAccelerated)
        {
            var (av, bv, cv) = (Vector512.Create(a), Vector512.Create(b), Vector512.Create(c));
            for (; i <= n - 16; i += 16)
            {
                var g = (Vector512.LoadUnsafe(ref ur, (nuint)i) * av) + (Vector512.LoadUnsafe(ref vr, (nuint)i) * bv) + cv;
                (accumulate ? g + Vector512.LoadUnsafe(ref yr, (nuint)i) : g).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var (av, bv, cv) = (Vector256.Create(a), Vector256.Create(b), Vector256.Create(c));
            for (; i <= n - 8; i += 8)
            {
                var g = (Vector256.LoadUnsafe(ref ur, (nuint)i) * av) + (Vector256.LoadUnsafe(ref vr, (nuint)i) * bv) + cv;
                (accumulate ? g + Vector256.LoadUnsafe(ref yr, (nuint)i) : g).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var g = (Unsafe.Add(ref ur, i) * a) + (Unsafe.Add(ref vr, i) * b) + c;
            Unsafe.Add(ref yr, i) = accumulate ? Unsafe.Add(ref yr, i) + g : g;
        }
    }

    /// <summary>dx = (accumulate ? dx : 0) + y * (dy - shift).</summary>
    private static void MultiplyShifted(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, float shift, Span<float> dx, bool accumulate)
    {
        ref var yr = ref MemoryMarshal.GetReference(y);
        ref var dyr = ref MemoryMarshal.GetReference(dy);
        ref var dxr = ref MemoryMarshal.GetReference(dx);
        var (n, i) = (y.Length, 0);
        if (Vector512.IsHardwareAccelerated)
        {
            var s = Vector512.Create(shift);
            for (; i <= n - 16; i += 16)
            {
                var g = Vector512.LoadUnsafe(ref yr, (nuint)i) * (Vector512.LoadUnsafe(ref dyr, (nuint)i) - s);
                (accumulate ? g + Vector512.LoadUnsafe(ref dxr, (nuint)i) : g).StoreUnsafe(ref dxr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var s = Vector256.Create(shift);
            for (; i <= n - 8; i += 8)
            {
                var g = Vector256.LoadUnsafe(ref yr, (nuint)i) * (Vector256.LoadUnsafe(ref dyr, (nuint)i) - s);
                (accumulate ? g + Vector256.LoadUnsafe(ref dxr, (nuint)i) : g).StoreUnsafe(ref dxr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var g = Unsafe.Add(ref yr, i) * (Unsafe.Add(ref dyr, i) - shift);
            Unsafe.Add(ref dxr, i) = accumulate ? Unsafe.Add(ref dxr, i) + g : g;
        }
    }
}
