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

        public void Step<T>(int i)
            where T : struct, ILanes<T> => (T.Load(ref _t, i) + T.Load(ref _s, i)).Store(ref _t, i);
    }

    private readonly ref struct ReluBody(ReadOnlySpan<float> x, Span<float> y) : ILaneMap
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _y = ref MemoryMarshal.GetReference(y);

        public void Step<T>(int i)
            where T : struct, ILanes<T> => T.Max(T.Load(ref _x, i), T.Zero).Store(ref _y, i);
    }

    private readonly ref struct ReluBackwardBody(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, bool accumulate) : ILaneMap
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _dy = ref MemoryMarshal.GetReference(dy);
        private readonly ref float _dx = ref MemoryMarshal.GetReference(dx);
        private readonly bool _accumulate = accumulate;

        public void Step<T>(int i)
            where T : struct, ILanes<T>
        {
            var g = T.WherePositive(T.Load(ref _x, i), T.Load(ref _dy, i), T.Zero);
            (_accumulate ? g + T.Load(ref _dx, i) : g).Store(ref _dx, i);
        }
    }
}
