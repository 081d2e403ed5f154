// Row loops of the normalization kernels: per-column vectors for (batch, C) batch norm, scalar-statistic rows for layer norm.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <summary>acc += (x - mean)^2, per column.</summary>
    private static void AddSquaredDeviation(Span<float> acc, ReadOnlySpan<float> x, ReadOnlySpan<float> mean)
    {
        ref var ar = ref MemoryMarshal.GetReference(acc);
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var mr = ref MemoryMarshal.GetReference(mean);
        var (n, i) = (x.Length, 0);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var d = Vector512.LoadUnsafe(ref xr, (nuint)i) - Vector512.LoadUnsafe(ref mr, (nuint)i);
                ((d * d) + Vector512.LoadUnsafe(ref ar, (nuint)i)).StoreUnsafe(ref ar, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                var d = Vector256.LoadUnsafe(ref xr, (nuint)i) - Vector256.LoadUnsafe(ref mr, (nuint)i);
                ((d * d) + Vector256.LoadUnsafe(ref ar, (nuint)i)).StoreUnsafe(ref ar, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var d = Unsafe.Add(ref xr, i) - Unsafe.Add(ref mr, i);
            Unsafe.Add(ref ar, i) += d * d;
        }
    }

    /// <summary>y = (x - mean) * invstd * gamma + beta, per column.</summary>
    private static void NormalizeRow(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> invstd, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y)
    {
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var mr = ref MemoryMarshal.GetReference(mean);
        ref var sr = ref MemoryMarshal.GetReference(invstd);
        ref var gr = ref MemoryMarshal.GetReference(gamma);
        ref var br = ref MemoryMarshal.GetReference(beta);
        ref var yr = ref MemoryMarshal.GetReference(y);
        var (n, i) = (x.Length, 0);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var xhat = (Vector512.LoadUnsafe(ref xr, (nuint)i) - Vector512.LoadUnsafe(ref mr, (nuint)i)) * Vector512.LoadUnsafe(ref sr, (nuint)i);
                ((xhat * Vector512.LoadUnsafe(ref gr, (nuint)i)) + Vector512.LoadUnsafe(ref br, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                var xhat = (Vector256.LoadUnsafe(ref xr, (nuint)i) - Vector256.LoadUnsafe(ref mr, (nuint)i)) * Vector256.LoadUnsafe(ref sr, (nuint)i);
                ((xhat * Vector256.LoadUnsafe(ref gr, (nuint)i)) + Vector256.LoadUnsafe(ref br, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var xhat = (Unsafe.Add(ref xr, i) - Unsafe.Add(ref mr, i)) * Unsafe.Add(ref sr, i);
            Unsafe.Add(ref yr, i) = (xhat * Unsafe.Add(ref gr, i)) + Unsafe.Add(ref br, i);
        }
    }

    /// <summary>y = (x - runningMean) * gamma / sqrt(runningVar + epsilon) + beta, per column.</summary>
    private static void NormalizeRowRunning(ReadOnlySpan<float> x, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float epsilon, Span<float> y)
    {
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var mr = ref MemoryMarshal.GetReference(runningMean);
        ref var vr = ref MemoryMarshal.GetReference(runningVar);
        ref var gr = ref MemoryMarshal.GetReference(gamma);
        ref var br = ref MemoryMarshal.GetReference(beta);
        ref var yr = ref MemoryMarshal.GetReference(y);
        var (n, i) = (x.Length, 0);
        if (Vector512.IsHardwareAccelerated)
        {
            var eps = Vector512.Create(epsilon);
            for (; i <= n - 16; i += 16)
            {
                var k = Vector512.LoadUnsafe(ref gr, (nuint)i) / Vector512.Sqrt(Vector512.LoadUnsafe(ref vr, (nuint)i) + eps);
                var centered = Vector512.LoadUnsafe(ref xr, (nuint)i) - Vector512.LoadUnsafe(ref mr, (nuint)i);
                ((centered * k) + Vector512.LoadUnsafe(ref br, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var eps = Vector256.Create(epsilon);
            for (; i <= n - 8; i += 8)
            {
                var k = Vector256.LoadUnsafe(ref gr, (nuint)i) / Vector256.Sqrt(Vector256.LoadUnsafe(ref vr, (nuint)i) + eps);
                var centered = Vector256.LoadUnsafe(ref xr, (nuint)i) - Vector256.LoadUnsafe(ref mr, (nuint)i);
                ((centered * k) + Vector256.LoadUnsafe(ref br, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var k = Unsafe.Add(ref gr, i) / MathF.Sqrt(Unsafe.Add(ref vr, i) + epsilon);
            Unsafe.Add(ref yr, i) = ((Unsafe.Add(ref xr, i) - Unsafe.Add(ref mr, i)) * k) + Unsafe.Add(ref br, i);
        }
    }

    /// <summary>sumDy += dy and sumDyXhat += dy * (x - mean) * invstd, per column.</summary>
    private static void AddNormalizationSums(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> invstd, Span<float> sumDy, Span<float> sumDyXhat)
    {
        ref var dyr = ref MemoryMarshal.GetReference(dy);
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var mr = ref MemoryMarshal.GetReference(mean);
        ref var sr = ref MemoryMarshal.GetReference(invstd);
        ref var ar = ref MemoryMarshal.GetReference(sumDy);
        ref var br = ref MemoryMarshal.GetReference(sumDyXhat);
        var (n, i) = (x.Length, 0);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var g = Vector512.LoadUnsafe(ref dyr, (nuint)i);
                var xhat = (Vector512.LoadUnsafe(ref xr, (nuint)i) - Vector512.LoadUnsafe(ref mr, (nuint)i)) * Vector512.LoadUnsafe(ref sr, (nuint)i);
                (Vector512.LoadUnsafe(ref ar, (nuint)i) + g).StoreUnsafe(ref ar, (nuint)i);
                (Vector512.LoadUnsafe(ref br, (nuint)i) + (g * xhat)).StoreUnsafe(ref br, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                var g = Vector256.LoadUnsafe(ref dyr, (nuint)i);
                var xhat = (Vector256.LoadUnsafe(ref xr, (nuint)i) - Vector256.LoadUnsafe(ref mr, (nuint)i)) * Vector256.LoadUnsafe(ref sr, (nuint)i);
                (Vector256.LoadUnsafe(ref ar, (nuint)i) + g).StoreUnsafe(ref ar, (nuint)i);
                (Vector256.LoadUnsafe(ref br, (nuint)i) + (g * xhat)).StoreUnsafe(ref br, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var g = Unsafe.Add(ref dyr, i);
            Unsafe.Add(ref ar, i) += g;
            Unsafe.Add(ref br, i) += g * (Unsafe.Add(ref xr, i) - Unsafe.Add(ref mr, i)) * Unsafe.Add(ref sr, i);
        }
    }

    /// <summary>dx = (accumulate ? dx : 0) + gamma * invstd * (dy - meanDy - (x - mean) * invstd * meanDyXhat), per column.</summary>
    private static void BatchNormRowBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> invstd, ReadOnlySpan<float> gamma, ReadOnlySpan<float> meanDy, ReadOnlySpan<float> meanDyXhat, Span<float> dx, bool accumulate)
    {
        ref var dyr = ref MemoryMarshal.GetReference(dy);
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var mr = ref MemoryMarshal.GetReference(mean);
        ref var sr = ref MemoryMarshal.GetReference(invstd);
        ref var gr = ref MemoryMarshal.GetReference(gamma);
        ref var ar = ref MemoryMarshal.GetReference(meanDy);
        ref var br = ref MemoryMarshal.GetReference(meanDyXhat);
        ref var dxr = ref MemoryMarshal.GetReference(dx);
        var (n, i) = (x.Length, 0);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var s = Vector512.LoadUnsafe(ref sr, (nuint)i);
                var xhat = (Vector512.LoadUnsafe(ref xr, (nuint)i) - Vector512.LoadUnsafe(ref mr, (nuint)i)) * s;
                var inner = Vector512.LoadUnsafe(ref dyr, (nuint)i) - Vector512.LoadUnsafe(ref ar, (nuint)i) - (xhat * Vector512.LoadUnsafe(ref br, (nuint)i));
                var g = Vector512.LoadUnsafe(ref gr, (nuint)i) * s * inner;
                (accumulate ? g + Vector512.LoadUnsafe(ref dxr, (nuint)i) : g).StoreUnsafe(ref dxr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                var s = Vector256.LoadUnsafe(ref sr, (nuint)i);
                var xhat = (Vector256.LoadUnsafe(ref xr, (nuint)i) - Vector256.LoadUnsafe(ref mr, (nuint)i)) * s;
                var inner = Vector256.LoadUnsafe(ref dyr, (nuint)i) - Vector256.LoadUnsafe(ref ar, (nuint)i) - (xhat * Vector256.LoadUnsafe(ref br, (nuint)i));
                var g = Vector256.LoadUnsafe(ref gr, (nuint)i) * s * inner;
                (accumulate ? g + Vector256.LoadUnsafe(ref dxr, (nuint)i) : g).StoreUnsafe(ref dxr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var s = Unsafe.Add(ref sr, i);
            var xhat = (Unsafe.Add(ref xr, i) - Unsafe.Add(ref mr, i)) * s;
            var g = Unsafe.Add(ref gr, i) * s * (Unsafe.Add(ref dyr, i) - Unsafe.Add(ref ar, i) - (xhat * Unsafe.Add(ref br, i)));
            Unsafe.Add(ref dxr, i) = accumulate ? Unsafe.Add(ref dxr, i) + g : g;
        }
    }

    /// <summary>Sum of dy * (x - mean).</summary>
    private static float CenteredDot(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean)
    {
        ref var dyr = ref MemoryMarshal.GetReference(dy);
        ref var xr = ref MemoryMarshal.GetReference(x);
        var (n, i) = (x.Length, 0);
        var sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var (acc, m) = (Vector512<float>.Zero, Vector512.Create(mean));
            for (; i <= n - 16; i += 16)
            {
                acc += Vector512.LoadUnsafe(ref dyr, (nuint)i) * (Vector512.LoadUnsafe(ref xr, (nuint)i) - m);
            }

            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var (acc, m) = (Vector256<float>.Zero, Vector256.Create(mean));
            for (; i <= n - 8; i += 8)
            {
                acc += Vector256.LoadUnsafe(ref dyr, (nuint)i) * (Vector256.LoadUnsafe(ref xr, (nuint)i) - m);
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref dyr, i) * (Unsafe.Add(ref xr, i) - mean);
        }

        return sum;
    }

    /// <summary>Sum of dy * gamma * (x - mean).</summary>
    private static float CenteredDot3(ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma, ReadOnlySpan<float> x, float mean)
    {
        ref var dyr = ref MemoryMarshal.GetReference(dy);
        ref var gr = ref MemoryMarshal.GetReference(gamma);
        ref var xr = ref MemoryMarshal.GetReference(x);
        var (n, i) = (x.Length, 0);
        var sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var (acc, m) = (Vector512<float>.Zero, Vector512.Create(mean));
            for (; i <= n - 16; i += 16)
            {
                acc += Vector512.LoadUnsafe(ref dyr, (nuint)i) * Vector512.LoadUnsafe(ref gr, (nuint)i) * (Vector512.LoadUnsafe(ref xr, (nuint)i) - m);
            }

            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var (acc, m) = (Vector256<float>.Zero, Vector256.Create(mean));
            for (; i <= n - 8; i += 8)
            {
                acc += Vector256.LoadUnsafe(ref dyr, (nuint)i) * Vector256.LoadUnsafe(ref gr, (nuint)i) * (Vector256.LoadUnsafe(ref xr, (nuint)i) - m);
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref dyr, i) * Unsafe.Add(ref gr, i) * (Unsafe.Add(ref xr, i) - mean);
        }

        return sum;
    }

    /// <summary>y = (x - mean) * invstd * gamma + beta with one mean and invstd for the row.</summary>
    private static void LayerNormRow(ReadOnlySpan<float> x, float mean, float invstd, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y)
    {
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var gr = ref MemoryMarshal.GetReference(gamma);
        ref var br = ref MemoryMarshal.GetReference(beta);
        ref var yr = ref MemoryMarshal.GetReference(y);
        var (n, i) = (x.Length, 0);
        if (Vector512.IsHardwareAccelerated)
        {
            var (m, s) = (Vector512.Create(mean), Vector512.Create(invstd));
            for (; i <= n - 16; i += 16)
            {
                var xhat = (Vector512.LoadUnsafe(ref xr, (nuint)i) - m) * s;
                ((xhat * Vector512.LoadUnsafe(ref gr, (nuint)i)) + Vector512.LoadUnsafe(ref br, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var (m, s) = (Vector256.Create(mean), Vector256.Create(invstd));
            for (; i <= n - 8; i += 8)
            {
                var xhat = (Vector256.LoadUnsafe(ref xr, (nuint)i) - m) * s;
                ((xhat * Vector256.LoadUnsafe(ref gr, (nuint)i)) + Vector256.LoadUnsafe(ref br, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var xhat = (Unsafe.Add(ref xr, i) - mean) * invstd;
            Unsafe.Add(ref yr, i) = (xhat * Unsafe.Add(ref gr, i)) + Unsafe.Add(ref br, i);
        }
    }

    /// <summary>acc += dy * (x - mean) * invstd (layer norm's gamma gradient for one row).</summary>
    private static void AddCenteredProduct(Span<float> acc, ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean, float invstd)
    {
        ref var ar = ref MemoryMarshal.GetReference(acc);
        ref var dyr = ref MemoryMarshal.GetReference(dy);
        ref var xr = ref MemoryMarshal.GetReference(x);
        var (n, i) = (x.Length, 0);
        if (Vector512.IsHardwareAccelerated)
        {
            var (m, s) = (Vector512.Create(mean), Vector512.Create(invstd));
            for (; i <= n - 16; i += 16)
            {
                var xhat = (Vector512.LoadUnsafe(ref xr, (nuint)i) - m) * s;
                (Vector512.LoadUnsafe(ref ar, (nuint)i) + (Vector512.LoadUnsafe(ref dyr, (nuint)i) * xhat)).StoreUnsafe(ref ar, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var (m, s) = (Vector256.Create(mean), Vector256.Create(invstd));
            for (; i <= n - 8; i += 8)
            {
                var xhat = (Vector256.LoadUnsafe(ref xr, (nuint)i) - m) * s;
                (Vector256.LoadUnsafe(ref ar, (nuint)i) + (Vector256.LoadUnsafe(ref dyr, (nuint)i) * xhat)).StoreUnsafe(ref ar, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ar, i) += Unsafe.Add(ref dyr, i) * (Unsafe.Add(ref xr, i) - mean) * invstd;
        }
    }

    /// <summary>dx = (accumulate ? dx : 0) + invstd * (dy * gamma - meanG - (x - mean) * invstd * meanGXhat).</summary>
    private static void LayerNormRowBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma, ReadOnlySpan<float> x, float mean, float invstd, float meanG, float meanGXhat, Span<float> dx, bool accumulate)
    {
        ref var dyr = ref MemoryMarshal.GetReference(dy);
        ref var gr = ref MemoryMarshal.GetReference(gamma);
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var dxr = ref MemoryMarshal.GetReference(dx);
        var (n, i) = (x.Length, 0);
        if (Vector512.IsHardwareAccelerated)
        {
            var (m, s, a, b) = (Vector512.Create(mean), Vector512.Create(invstd), Vector512.Create(meanG), Vector512.Create(meanGXhat));
            for (; i <= n - 16; i += 16)
            {
                var xhat = (Vector512.LoadUnsafe(ref xr, (nuint)i) - m) * s;
                var g = s * ((Vector512.LoadUnsafe(ref dyr, (nuint)i) * Vector512.LoadUnsafe(ref gr, (nuint)i)) - a - (xhat * b));
                (accumulate ? g + Vector512.LoadUnsafe(ref dxr, (nuint)i) : g).StoreUnsafe(ref dxr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var (m, s, a, b) = (Vector256.Create(mean), Vector256.Create(invstd), Vector256.Create(meanG), Vector256.Create(meanGXhat));
            for (; i <= n - 8; i += 8)
            {
                var xhat = (Vector256.LoadUnsafe(ref xr, (nuint)i) - m) * s;
                var g = s * ((Vector256.LoadUnsafe(ref dyr, (nuint)i) * Vector256.LoadUnsafe(ref gr, (nuint)i)) - a - (xhat * b));
                (accumulate ? g + Vector256.LoadUnsafe(ref dxr, (nuint)i) : g).StoreUnsafe(ref dxr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var xhat = (Unsafe.Add(ref xr, i) - mean) * invstd;
            var g = invstd * ((Unsafe.Add(ref dyr, i) * Unsafe.Add(ref gr, i)) - meanG - (xhat * meanGXhat));
            Unsafe.Add(ref dxr, i) = accumulate ? Unsafe.Add(ref dxr, i) + g : g;
        }
    }
}
