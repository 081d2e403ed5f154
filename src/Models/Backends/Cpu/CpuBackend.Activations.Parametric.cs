// The parametrized activations of the CPU backend (leaky ReLU, ELU, PReLU): the kernels and their row loops.
using System.Runtime.InteropServices;
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
        var body = new EluBody(Span(x), Span(y), alpha);
        LaneLoop.Map(x.Length, ref body);
    }

    /// <inheritdoc/>
    public void EluBackward(Tensor x, Tensor y, Tensor dy, Tensor dx, float alpha, bool accumulate)
    {
        var body = new EluBackwardBody(Span(x), Span(y), Span(dy), Span(dx), alpha, accumulate);
        LaneLoop.Map(x.Length, ref body);
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
        var body = new LeakyBody(x, y, alpha);
        LaneLoop.Map(x.Length, ref body);
    }

    /// <summary>dx = (accumulate ? dx : 0) + dy * (x &gt; 0 ? 1 : alpha).</summary>
    private static void LeakyBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float alpha, bool accumulate)
    {
        var body = new LeakyBackwardBody(x, dy, dx, alpha, accumulate);
        LaneLoop.Map(x.Length, ref body);
    }

    /// <summary>Sum of x * dy over the elements where x &lt;= 0 (the gradient of a negative slope).</summary>
    private static float NegativeDot(ReadOnlySpan<float> x, ReadOnlySpan<float> dy)
    {
        var body = new NegativeDotBody(x, dy);
        return LaneLoop.Sum(x.Length, ref body);
    }

    /// <summary>y = x where x &gt; 0, slope * x elsewhere, with one slope per column.</summary>
    private static void PreluRow(ReadOnlySpan<float> x, ReadOnlySpan<float> slope, Span<float> y)
    {
        var body = new PreluRowBody(x, slope, y);
        LaneLoop.Map(x.Length, ref body);
    }

    /// <summary>
    /// One (batch, features) PReLU row backward: dslope += min(x, 0) * dy per column and, unless
    /// <paramref name="dx"/> is empty, dx = (accumulate ? dx : 0) + dy * (x &gt; 0 ? 1 : slope).
    /// </summary>
    private static void PreluRowBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> slope, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dslope, bool accumulate)
    {
        var body = new PreluRowBackwardBody(x, slope, dy, dx, dslope, accumulate);
        LaneLoop.Map(x.Length, ref body);
    }

    /// <summary>exp is evaluated on min(x, 0) so the positive lanes, which keep x, cannot overflow to infinity.</summary>
    private readonly ref struct EluBody(ReadOnlySpan<float> x, Span<float> y, float alpha) : ILaneMap
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _y = ref MemoryMarshal.GetReference(y);
        private readonly float _alpha = alpha;

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var x = ref _x;
            ref var y = ref _y;
            var alpha = _alpha;
            for (var i = start; i < end; i += T.Count)
            {
                var v = T.Load(ref x, i);
                var negative = T.Splat(alpha) * (T.RuntimeExp(T.Min(v, T.Zero)) - T.One);
                T.WherePositive(v, v, negative).Store(ref y, i);
            }
        }
    }

    /// <summary>For x &lt;= 0, d/dx alpha (e^x - 1) = alpha e^x = y + alpha: no second exp.</summary>
    private readonly ref struct EluBackwardBody(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, float alpha, bool accumulate) : ILaneMap
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _y = ref MemoryMarshal.GetReference(y);
        private readonly ref float _dy = ref MemoryMarshal.GetReference(dy);
        private readonly ref float _dx = ref MemoryMarshal.GetReference(dx);
        private readonly float _alpha = alpha;
        private readonly bool _accumulate = accumulate;

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var x = ref _x;
            ref var y = ref _y;
            ref var dy = ref _dy;
            ref var dx = ref _dx;
            var alpha = _alpha;
            var accumulate = _accumulate;
            for (var i = start; i < end; i += T.Count)
            {
                var slope = T.WherePositive(T.Load(ref x, i), T.One, T.Load(ref y, i) + T.Splat(alpha));
                var g = T.Load(ref dy, i) * slope;
                (accumulate ? g + T.Load(ref dx, i) : g).Store(ref dx, i);
            }
        }
    }

    private readonly ref struct LeakyBody(ReadOnlySpan<float> x, Span<float> y, float alpha) : ILaneMap
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _y = ref MemoryMarshal.GetReference(y);
        private readonly float _alpha = alpha;

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var x = ref _x;
            ref var y = ref _y;
            var alpha = _alpha;
            for (var i = start; i < end; i += T.Count)
            {
                var v = T.Load(ref x, i);
                T.WherePositive(v, v, v * T.Splat(alpha)).Store(ref y, i);
            }
        }
    }

    private readonly ref struct LeakyBackwardBody(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float alpha, bool accumulate) : ILaneMap
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _dy = ref MemoryMarshal.GetReference(dy);
        private readonly ref float _dx = ref MemoryMarshal.GetReference(dx);
        private readonly float _alpha = alpha;
        private readonly bool _accumulate = accumulate;

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var x = ref _x;
            ref var dy = ref _dy;
            ref var dx = ref _dx;
            var alpha = _alpha;
            var accumulate = _accumulate;
            for (var i = start; i < end; i += T.Count)
            {
                var g = T.Load(ref dy, i) * T.WherePositive(T.Load(ref x, i), T.One, T.Splat(alpha));
                (accumulate ? g + T.Load(ref dx, i) : g).Store(ref dx, i);
            }
        }
    }

    private readonly ref struct NegativeDotBody(ReadOnlySpan<float> x, ReadOnlySpan<float> dy) : ILaneSum
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _dy = ref MemoryMarshal.GetReference(dy);

        public T Run<T>(int start, int end, T acc)
            where T : struct, ILanes<T>
        {
            ref var x = ref _x;
            ref var dy = ref _dy;
            for (var i = start; i < end; i += T.Count)
            {
                acc += T.Min(T.Load(ref x, i), T.Zero) * T.Load(ref dy, i);
            }

            return acc;
        }
    }

    private readonly ref struct PreluRowBody(ReadOnlySpan<float> x, ReadOnlySpan<float> slope, Span<float> y) : ILaneMap
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _slope = ref MemoryMarshal.GetReference(slope);
        private readonly ref float _y = ref MemoryMarshal.GetReference(y);

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var x = ref _x;
            ref var slope = ref _slope;
            ref var y = ref _y;
            for (var i = start; i < end; i += T.Count)
            {
                var v = T.Load(ref x, i);
                T.WherePositive(v, v, v * T.Load(ref slope, i)).Store(ref y, i);
            }
        }
    }

    private readonly ref struct PreluRowBackwardBody(ReadOnlySpan<float> x, ReadOnlySpan<float> slope, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dslope, bool accumulate) : ILaneMap
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _slope = ref MemoryMarshal.GetReference(slope);
        private readonly ref float _dy = ref MemoryMarshal.GetReference(dy);
        private readonly ref float _dx = ref MemoryMarshal.GetReference(dx);
        private readonly ref float _dslope = ref MemoryMarshal.GetReference(dslope);
        private readonly bool _withDx = !dx.IsEmpty;
        private readonly bool _accumulate = accumulate;

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var x = ref _x;
            ref var slope = ref _slope;
            ref var dy = ref _dy;
            ref var dx = ref _dx;
            ref var dslope = ref _dslope;
            var withDx = _withDx;
            var accumulate = _accumulate;
            for (var i = start; i < end; i += T.Count)
            {
                var v = T.Load(ref x, i);
                var g = T.Load(ref dy, i);
                (T.Load(ref dslope, i) + (T.Min(v, T.Zero) * g)).Store(ref dslope, i);
                if (withDx)
                {
                    var d = g * T.WherePositive(v, T.One, T.Load(ref slope, i));
                    (accumulate ? d + T.Load(ref dx, i) : d).Store(ref dx, i);
                }
            }
        }
    }
}
