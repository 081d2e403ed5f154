// The parametrized activations of the CPU backend (leaky ReLU, ELU, PReLU): the kernels and their row loops.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void LeakyRelu(Tensor x, Tensor y, float alpha) => Leaky(Span(x), Span(y), alpha);

    /// <inheritdoc/>
    public void LeakyReluBackward(Tensor x, Tensor dy, Tensor dx, float alpha, bool accumulate) =>
        LeakyBackward(Span(x), Span(dy), Span(dx), alpha, accumulate);

    /// <inheritdoc/>
    public void Elu(Tensor x, Tensor y, float alpha)
    {
        var xs = Span(x);
        var ys = Span(y);
        ref var xr = ref MemoryMarshal.GetReference(xs);
        ref var yr = ref MemoryMarshal.GetReference(ys);
        var (n, i) = (xs.Length, 0);

        // exp is evaluated on min(x, 0) so the positive lanes, which keep x, cannot overflow to infinity.
        if (Vector512.IsHardwareAccelerated)
        {
            var a = Vector512.Create(alpha);
            for (; i <= n - 16; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref xr, (nuint)i);
                var negative = a * (Vector512.Exp(Vector512.Min(v, Vector512<float>.Zero)) - Vector512<float>.One);
                Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<float>.Zero), v, negative).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var a = Vector256.Create(alpha);
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                var negative = a * (Vector256.Exp(Vector256.Min(v, Vector256<float>.Zero)) - Vector256<float>.One);
                Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), v, negative).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var v = Unsafe.Add(ref xr, i);
            Unsafe.Add(ref yr, i) = v > 0f ? v : alpha * (MathF.Exp(v) - 1f);
        }
    }

    /// <inheritdoc/>
    public void EluBackward(Tensor x, Tensor y, Tensor dy, Tensor dx, float alpha, bool accumulate)
    {
        var xs = Span(x);
        ref var xr = ref MemoryMarshal.GetReference(xs);
        ref var yr = ref MemoryMarshal.GetReference(Span(y));
        ref var dyr = ref MemoryMarshal.GetReference(Span(dy));
        ref var dxr = ref MemoryMarshal.GetReference(Span(dx));
        var (n, i) = (xs.Length, 0);

        // For x <= 0, d/dx alpha (e^x - 1) = alpha e^x = y + alpha: no second exp.
        if (Vector512.IsHardwareAccelerated)
        {
            var a = Vector512.Create(alpha);
            for (; i <= n - 16; i += 16)
            {
                var slope = Vector512.ConditionalSelect(
                    Vector512.GreaterThan(Vector512.LoadUnsafe(ref xr, (nuint)i), Vector512<float>.Zero),
                    Vector512<float>.One,
                    Vector512.LoadUnsafe(ref yr, (nuint)i) + a);
                var g = Vector512.LoadUnsafe(ref dyr, (nuint)i) * slope;
                (accumulate ? g + Vector512.LoadUnsafe(ref dxr, (nuint)i) : g).StoreUnsafe(ref dxr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var a = Vector256.Create(alpha);
            for (; i <= n - 8; i += 8)
            {
                var slope = Vector256.ConditionalSelect(
                    Vector256.GreaterThan(Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256<float>.Zero),
                    Vector256<float>.One,
                    Vector256.LoadUnsafe(ref yr, (nuint)i) + a);
                var g = Vector256.LoadUnsafe(ref dyr, (nuint)i) * slope;
                (accumulate ? g + Vector256.LoadUnsafe(ref dxr, (nuint)i) : g).StoreUnsafe(ref dxr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var g = Unsafe.Add(ref dyr, i) * (Unsafe.Add(ref xr, i) > 0f ? 1f : Unsafe.Add(ref yr, i) + alpha);
            Unsafe.Add(ref dxr, i) = accumulate ? Unsafe.Add(ref dxr, i) + g : g;
        }
    }

    /// <inheritdoc/>
    public void Prelu(Tensor x, Tensor slope, Tensor y, int rows, int channels, int inner)
    {
        var xs = Span(x);
        var ys = Span(y);
        var a = Span(slope)[..channels];
        for (var r = 0; r < rows; r++)
        {
            if (inner == 1)
            {
                // (batch, features): one slope per column, applied as a vector across the row.
                PreluRow(xs.Slice(r * channels, channels), a, ys.Slice(r * channels, channels));
                continue;
            }

            for (var c = 0; c < channels; c++)
            {
                var at = ((r * channels) + c) * inner;
                Leaky(xs.Slice(at, inner), ys.Slice(at, inner), a[c]);
            }
        }
    }

    /// <inheritdoc/>
    public void PreluBackward(Tensor x, Tensor slope, Tensor dy, Tensor? dx, Tensor dslope, int rows, int channels, int inner, bool accumulateInput, bool accumulateSlope)
    {
        var xs = Span(x);
        var dys = Span(dy);
        var dxs = dx is { } d ? Span(d) : default;
        var a = Span(slope)[..channels];
        var da = Span(dslope)[..channels];
        if (!accumulateSlope)
        {
            da.Clear();
        }

        for (var r = 0; r < rows; r++)
        {
            if (inner == 1)
            {
                var row = r * channels;
                PreluRowBackward(xs.Slice(row, channels), a, dys.Slice(row, channels), dx is null ? default : dxs.Slice(row, channels), da, accumulateInput);
                continue;
            }

            for (var c = 0; c < channels; c++)
            {
                var at = ((r * channels) + c) * inner;
                da[c] += NegativeDot(xs.Slice(at, inner), dys.Slice(at, inner));
                if (dx is not null)
                {
                    LeakyBackward(xs.Slice(at, inner), dys.Slice(at, inner), dxs.Slice(at, inner), a[c], accumulateInput);
                }
            }
        }
    }

    /// <summary>y = x where x &gt; 0, alpha * x elsewhere.</summary>
    private static void Leaky(ReadOnlySpan<float> x, Span<float> y, float alpha)
    {
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var yr = ref MemoryMarshal.GetReference(y);
        var (n, i) = (x.Length, 0);
        if (Vector512.IsHardwareAccelerated)
        {
            var a = Vector512.Create(alpha);
            for (; i <= n - 16; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref xr, (nuint)i);
                Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<float>.Zero), v, v * a).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var a = Vector256.Create(alpha);
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), v, v * a).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var v = Unsafe.Add(ref xr, i);
            Unsafe.Add(ref yr, i) = v > 0f ? v : alpha * v;
        }
    }

    /// <summary>dx = (accumulate ? dx : 0) + dy * (x &gt; 0 ? 1 : alpha).</summary>
    private static void LeakyBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float alpha, bool accumulate)
    {
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var dyr = ref MemoryMarshal.GetReference(dy);
        ref var dxr = ref MemoryMarshal.GetReference(dx);
        var (n, i) = (x.Length, 0);
        if (Vector512.IsHardwareAccelerated)
        {
            var a = Vector512.Create(alpha);
            for (; i <= n - 16; i += 16)
            {
                var slope = Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.LoadUnsafe(ref xr, (nuint)i), Vector512<float>.Zero), Vector512<float>.One, a);
                var g = Vector512.LoadUnsafe(ref dyr, (nuint)i) * slope;
                (accumulate ? g + Vector512.LoadUnsafe(ref dxr, (nuint)i) : g).StoreUnsafe(ref dxr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var a = Vector256.Create(alpha);
            for (; i <= n - 8; i += 8)
            {
                var slope = Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256<float>.Zero), Vector256<float>.One, a);
                var g = Vector256.LoadUnsafe(ref dyr, (nuint)i) * slope;
                (accumulate ? g + Vector256.LoadUnsafe(ref dxr, (nuint)i) : g).StoreUnsafe(ref dxr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var g = Unsafe.Add(ref dyr, i) * (Unsafe.Add(ref xr, i) > 0f ? 1f : alpha);
            Unsafe.Add(ref dxr, i) = accumulate ? Unsafe.Add(ref dxr, i) + g : g;
        }
    }

    /// <summary>Sum of x * dy over the elements where x &lt;= 0 (the gradient of a negative slope).</summary>
    private static float NegativeDot(ReadOnlySpan<float> x, ReadOnlySpan<float> dy)
    {
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var dyr = ref MemoryMarshal.GetReference(dy);
        var (n, i) = (x.Length, 0);
        var sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                var v = Vector512.Min(Vector512.LoadUnsafe(ref xr, (nuint)i), Vector512<float>.Zero);
                acc += v * Vector512.LoadUnsafe(ref dyr, (nuint)i);
            }

            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.Min(Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256<float>.Zero);
                acc += v * Vector256.LoadUnsafe(ref dyr, (nuint)i);
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            sum += MathF.Min(Unsafe.Add(ref xr, i), 0f) * Unsafe.Add(ref dyr, i);
        }

        return sum;
    }

    /// <summary>y = x where x &gt; 0, slope * x elsewhere, with one slope per column.</summary>
    private static void PreluRow(ReadOnlySpan<float> x, ReadOnlySpan<float> slope, Span<float> y)
    {
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var ar = ref MemoryMarshal.GetReference(slope);
        ref var yr = ref MemoryMarshal.GetReference(y);
        var (n, i) = (x.Length, 0);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref xr, (nuint)i);
                var negative = v * Vector512.LoadUnsafe(ref ar, (nuint)i);
                Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<float>.Zero), v, negative).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                var negative = v * Vector256.LoadUnsafe(ref ar, (nuint)i);
                Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), v, negative).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var v = Unsafe.Add(ref xr, i);
            Unsafe.Add(ref yr, i) = v > 0f ? v : Unsafe.Add(ref ar, i) * v;
        }
    }

    /// <summary>
    /// One (batch, features) PReLU row backward: dslope += min(x, 0) * dy per column and, unless
    /// <paramref name="dx"/> is empty, dx = (accumulate ? dx : 0) + dy * (x &gt; 0 ? 1 : slope).
    /// </summary>
    private static void PreluRowBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> slope, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dslope, bool accumulate)
    {
        var withDx = !dx.IsEmpty;
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var ar = ref MemoryMarshal.GetReference(slope);
        ref var dyr = ref MemoryMarshal.GetReference(dy);
        ref var dxr = ref MemoryMarshal.GetReference(dx);
        ref var dar = ref MemoryMarshal.GetReference(dslope);
        var (n, i) = (x.Length, 0);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref xr, (nuint)i);
                var g = Vector512.LoadUnsafe(ref dyr, (nuint)i);
                (Vector512.LoadUnsafe(ref dar, (nuint)i) + (Vector512.Min(v, Vector512<float>.Zero) * g)).StoreUnsafe(ref dar, (nuint)i);
                if (withDx)
                {
                    var d = g * Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<float>.Zero), Vector512<float>.One, Vector512.LoadUnsafe(ref ar, (nuint)i));
                    (accumulate ? d + Vector512.LoadUnsafe(ref dxr, (nuint)i) : d).StoreUnsafe(ref dxr, (nuint)i);
                }
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                var g = Vector256.LoadUnsafe(ref dyr, (nuint)i);
                (Vector256.LoadUnsafe(ref dar, (nuint)i) + (Vector256.Min(v, Vector256<float>.Zero) * g)).StoreUnsafe(ref dar, (nuint)i);
                if (withDx)
                {
                    var d = g * Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), Vector256<float>.One, Vector256.LoadUnsafe(ref ar, (nuint)i));
                    (accumulate ? d + Vector256.LoadUnsafe(ref dxr, (nuint)i) : d).StoreUnsafe(ref dxr, (nuint)i);
                }
            }
        }

        for (; i < n; i++)
        {
            var v = Unsafe.Add(ref xr, i);
            var g = Unsafe.Add(ref dyr, i);
            Unsafe.Add(ref dar, i) += MathF.Min(v, 0f) * g;
            if (withDx)
            {
                var d = g * (v > 0f ? 1f : Unsafe.Add(ref ar, i));
                Unsafe.Add(ref dxr, i) = accumulate ? Unsafe.Add(ref dxr, i) + d : d;
            }
        }
    }
}
