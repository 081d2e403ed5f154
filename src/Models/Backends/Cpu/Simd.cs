// Vector kernels shared by the CPU backend: each loop body written once over the lane width (see LaneLoop).
using System.Runtime.InteropServices;

namespace Dtrain.Models.Backends.Cpu;

/// <summary>Pointwise loops run at the widest vector width, then a scalar tail.</summary>
public static class Simd
{
    /// <summary>target[i] += source[i].</summary>
    public static void AddInPlace(Span<float> target, ReadOnlySpan<float> source)
    {
        var body = new AddInPlaceBody(target, source);
        LaneLoop.Map(Math.Min(target.Length, source.Length), ref body);
    }

    /// <summary>y[i] = max(0, x[i]).</summary>
    public static void Relu(ReadOnlySpan<float> x, Span<float> y)
    {
        var body = new ReluBody(x, y);
        LaneLoop.Map(x.Length, ref body);
    }

    /// <summary>dx[i] = (accumulate ? dx[i] : 0) + (x[i] &gt; 0 ? dy[i] : 0).</summary>
    public static void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, bool accumulate)
    {
        var body = new ReluBackwardBody(x, dy, dx, accumulate);
        LaneLoop.Map(x.Length, ref body);
    }

    private readonly ref struct AddInPlaceBody(Span<float> target, ReadOnlySpan<float> source) : ILaneMap
    {
        private readonly ref float _t = ref MemoryMarshal.GetReference(target);
        private readonly ref float _s = ref MemoryMarshal.GetReference(source);

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var t = ref _t;
            ref var s = ref _s;
            for (var i = start; i < end; i += T.Count)
            {
                (T.Load(ref t, i) + T.Load(ref s, i)).Store(ref t, i);
            }
        }
    }

    private readonly ref struct ReluBody(ReadOnlySpan<float> x, Span<float> y) : ILaneMap
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _y = ref MemoryMarshal.GetReference(y);

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var x = ref _x;
            ref var y = ref _y;
            for (var i = start; i < end; i += T.Count)
            {
                T.Max(T.Load(ref x, i), T.Zero).Store(ref y, i);
            }
        }
    }

    private readonly ref struct ReluBackwardBody(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, bool accumulate) : ILaneMap
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _dy = ref MemoryMarshal.GetReference(dy);
        private readonly ref float _dx = ref MemoryMarshal.GetReference(dx);
        private readonly bool _accumulate = accumulate;

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var x = ref _x;
            ref var dy = ref _dy;
            ref var dx = ref _dx;
            var accumulate = _accumulate;
            for (var i = start; i < end; i += T.Count)
            {
                var g = T.WherePositive(T.Load(ref x, i), T.Load(ref dy, i), T.Zero);
                (accumulate ? g + T.Load(ref dx, i) : g).Store(ref dx, i);
            }
        }
    }
}
