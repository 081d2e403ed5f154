// Span-level vector primitives several CPU kernels share (dot products, sums, max, exp, affine maps), each loop
// body written once over the lane width and run by LaneLoop: Vector512, else Vector256, then a scalar tail.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <summary>Sum of a * b.</summary>
    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var body = new DotBody(a, b);
        return LaneLoop.Sum(a.Length, ref body);
    }

    /// <summary>Sum of the elements.</summary>
    private static float Sum(ReadOnlySpan<float> a)
    {
        var body = new SumBody(a);
        return LaneLoop.Sum(a.Length, ref body);
    }

    /// <summary>Sum of (a - mean)^2: the second pass of a two-pass variance, exact where E[x^2] - mean^2 would cancel.</summary>
    private static float SquaredDeviation(ReadOnlySpan<float> a, float mean)
    {
        var body = new SquaredDeviationBody(a, mean);
        return LaneLoop.Sum(a.Length, ref body);
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
        var body = new ExpShiftedBody(x, y, shift);
        return LaneLoop.Sum(x.Length, ref body);
    }

    /// <summary>
    /// y = (accumulate ? y : 0) + a * u + b * v + c: every per-slice affine map the normalization and
    /// softmax backward passes reduce to once their per-slice sums are known.
    /// </summary>
    private static void Affine(ReadOnlySpan<float> u, float a, ReadOnlySpan<float> v, float b, float c, Span<float> y, bool accumulate)
    {
        var body = new AffineBody(u, a, v, b, c, y, accumulate);
        LaneLoop.Map(u.Length, ref body);
    }

    /// <summary>dx = (accumulate ? dx : 0) + y * (dy - shift).</summary>
    private static void MultiplyShifted(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, float shift, Span<float> dx, bool accumulate)
    {
        var body = new MultiplyShiftedBody(y, dy, shift, dx, accumulate);
        LaneLoop.Map(y.Length, ref body);
    }

    private readonly ref struct DotBody(ReadOnlySpan<float> a, ReadOnlySpan<float> b) : ILaneSum
    {
        private readonly ref float _a = ref MemoryMarshal.GetReference(a);
        private readonly ref float _b = ref MemoryMarshal.GetReference(b);

        public T Run<T>(int start, int end, T acc)
            where T : struct, ILanes<T>
        {
            ref var a = ref _a;
            ref var b = ref _b;
            for (var i = start; i < end; i += T.Count)
            {
                acc += T.Load(ref a, i) * T.Load(ref b, i);
            }

            return acc;
        }
    }

    private readonly ref struct SumBody(ReadOnlySpan<float> a) : ILaneSum
    {
        private readonly ref float _a = ref MemoryMarshal.GetReference(a);

        public T Run<T>(int start, int end, T acc)
            where T : struct, ILanes<T>
        {
            ref var a = ref _a;
            for (var i = start; i < end; i += T.Count)
            {
                acc += T.Load(ref a, i);
            }

            return acc;
        }
    }

    private readonly ref struct SquaredDeviationBody(ReadOnlySpan<float> a, float mean) : ILaneSum
    {
        private readonly ref float _a = ref MemoryMarshal.GetReference(a);
        private readonly float _mean = mean;

        public T Run<T>(int start, int end, T acc)
            where T : struct, ILanes<T>
        {
            ref var a = ref _a;
            var mean = _mean;
            for (var i = start; i < end; i += T.Count)
            {
                var d = T.Load(ref a, i) - T.Splat(mean);
                acc += d * d;
            }

            return acc;
        }
    }

    private readonly ref struct ExpShiftedBody(ReadOnlySpan<float> x, Span<float> y, float shift) : ILaneSum
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _y = ref MemoryMarshal.GetReference(y);
        private readonly float _shift = shift;

        public T Run<T>(int start, int end, T acc)
            where T : struct, ILanes<T>
        {
            ref var x = ref _x;
            ref var y = ref _y;
            var shift = _shift;
            for (var i = start; i < end; i += T.Count)
            {
                var e = T.RuntimeExp(T.Load(ref x, i) - T.Splat(shift));
                e.Store(ref y, i);
                acc += e;
            }

            return acc;
        }
    }

    private readonly ref struct AffineBody(ReadOnlySpan<float> u, float a, ReadOnlySpan<float> v, float b, float c, Span<float> y, bool accumulate) : ILaneMap
    {
        private readonly ref float _u = ref MemoryMarshal.GetReference(u);
        private readonly ref float _v = ref MemoryMarshal.GetReference(v);
        private readonly ref float _y = ref MemoryMarshal.GetReference(y);
        private readonly float _a = a;
        private readonly float _b = b;
        private readonly float _c = c;
        private readonly bool _accumulate = accumulate;

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var u = ref _u;
            ref var v = ref _v;
            ref var y = ref _y;
            var a = _a;
            var b = _b;
            var c = _c;
            var accumulate = _accumulate;
            for (var i = start; i < end; i += T.Count)
            {
                var g = (T.Load(ref u, i) * T.Splat(a)) + (T.Load(ref v, i) * T.Splat(b)) + T.Splat(c);
                (accumulate ? g + T.Load(ref y, i) : g).Store(ref y, i);
            }
        }
    }

    private readonly ref struct MultiplyShiftedBody(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, float shift, Span<float> dx, bool accumulate) : ILaneMap
    {
        private readonly ref float _y = ref MemoryMarshal.GetReference(y);
        private readonly ref float _dy = ref MemoryMarshal.GetReference(dy);
        private readonly ref float _dx = ref MemoryMarshal.GetReference(dx);
        private readonly float _shift = shift;
        private readonly bool _accumulate = accumulate;

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var y = ref _y;
            ref var dy = ref _dy;
            ref var dx = ref _dx;
            var shift = _shift;
            var accumulate = _accumulate;
            for (var i = start; i < end; i += T.Count)
            {
                var g = T.Load(ref y, i) * (T.Load(ref dy, i) - T.Splat(shift));
                (accumulate ? g + T.Load(ref dx, i) : g).Store(ref dx, i);
            }
        }
    }
}
