// Parametrized and row-wise activation kernels of the CPU backend: vector loops with scalar tails.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void ScaleInto(Tensor x, float alpha, Tensor y, bool accumulate)
    {
        var xs = Span(x);
        var ys = Span(y);
        CheckLength(xs.Length, ys.Length, nameof(ScaleInto));
        ref var xr = ref MemoryMarshal.GetReference(xs);
        ref var yr = ref MemoryMarshal.GetReference(ys);
        var (n, i) = (xs.Length, 0);
        if (Vector512.IsHardwareAccelerated)
        {
            var a = Vector512.Create(alpha);
            for (; i <= n - 16; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref xr, (nuint)i) * a;
                (accumulate ? v + Vector512.LoadUnsafe(ref yr, (nuint)i) : v).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var a = Vector256.Create(alpha);
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref xr, (nuint)i) * a;
                (accumulate ? v + Vector256.LoadUnsafe(ref yr, (nuint)i) : v).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var v = Unsafe.Add(ref xr, i) * alpha;
            Unsafe.Add(ref yr, i) = accumulate ? Unsafe.Add(ref yr, i) + v : v;
        }
    }

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
}
