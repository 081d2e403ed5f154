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
        var body = new AddSquaredDeviationBody(acc, x, mean);
        LaneLoop.Map(x.Length, ref body);
    }

    /// <summary>y = (x - mean) * invstd * gamma + beta, per column.</summary>
    private static void NormalizeRow(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> invstd, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y)
    {
        var body = new NormalizeRowBody(x, mean, invstd, gamma, beta, y);
        LaneLoop.Map(x.Length, ref body);
    }

    /// <summary>y = (x - runningMean) * gamma / sqrt(runningVar + epsilon) + beta, per column.</summary>
    private static void NormalizeRowRunning(ReadOnlySpan<float> x, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float epsilon, Span<float> y)
    {
        var body = new NormalizeRowRunningBody(x, runningMean, runningVar, gamma, beta, epsilon, y);
        LaneLoop.Map(x.Length, ref body);
    }

    /// <summary>
    /// sumDy += dy and sumDyXhat += dy * (x - mean) * invstd, per column. Kept hand-written: the vector lanes
    /// multiply dy by xhat while the scalar tail multiplies left to right, and one body would change the tail's bits.
    /// </summary>
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
        var body = new BatchNormRowBackwardBody(dy, x, mean, invstd, gamma, meanDy, meanDyXhat, dx, accumulate);
        LaneLoop.Map(x.Length, ref body);
    }

    /// <summary>Sum of dy * (x - mean).</summary>
    private static float CenteredDot(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean)
    {
        var body = new CenteredDotBody(dy, x, mean);
        return LaneLoop.Sum(x.Length, ref body);
    }

    /// <summary>Sum of dy * gamma * (x - mean).</summary>
    private static float CenteredDot3(ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma, ReadOnlySpan<float> x, float mean)
    {
        var body = new CenteredDot3Body(dy, gamma, x, mean);
        return LaneLoop.Sum(x.Length, ref body);
    }

    /// <summary>y = (x - mean) * invstd * gamma + beta with one mean and invstd for the row.</summary>
    private static void LayerNormRow(ReadOnlySpan<float> x, float mean, float invstd, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y)
    {
        var body = new LayerNormRowBody(x, mean, invstd, gamma, beta, y);
        LaneLoop.Map(x.Length, ref body);
    }

    /// <summary>
    /// acc += dy * (x - mean) * invstd (layer norm's gamma gradient for one row). Kept hand-written for the
    /// same reason as <see cref="AddNormalizationSums"/>: the vector and scalar products associate differently.
    /// </summary>
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
        var body = new LayerNormRowBackwardBody(dy, gamma, x, mean, invstd, meanG, meanGXhat, dx, accumulate);
        LaneLoop.Map(x.Length, ref body);
    }

    private readonly ref struct AddSquaredDeviationBody(Span<float> acc, ReadOnlySpan<float> x, ReadOnlySpan<float> mean) : ILaneMap
    {
        private readonly ref float _acc = ref MemoryMarshal.GetReference(acc);
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _mean = ref MemoryMarshal.GetReference(mean);

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var acc = ref _acc;
            ref var x = ref _x;
            ref var mean = ref _mean;
            for (var i = start; i < end; i += T.Count)
            {
                var d = T.Load(ref x, i) - T.Load(ref mean, i);
                ((d * d) + T.Load(ref acc, i)).Store(ref acc, i);
            }
        }
    }

    private readonly ref struct NormalizeRowBody(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> invstd, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y) : ILaneMap
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _mean = ref MemoryMarshal.GetReference(mean);
        private readonly ref float _invstd = ref MemoryMarshal.GetReference(invstd);
        private readonly ref float _gamma = ref MemoryMarshal.GetReference(gamma);
        private readonly ref float _beta = ref MemoryMarshal.GetReference(beta);
        private readonly ref float _y = ref MemoryMarshal.GetReference(y);

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var x = ref _x;
            ref var mean = ref _mean;
            ref var invstd = ref _invstd;
            ref var gamma = ref _gamma;
            ref var beta = ref _beta;
            ref var y = ref _y;
            for (var i = start; i < end; i += T.Count)
            {
                var xhat = (T.Load(ref x, i) - T.Load(ref mean, i)) * T.Load(ref invstd, i);
                ((xhat * T.Load(ref gamma, i)) + T.Load(ref beta, i)).Store(ref y, i);
            }
        }
    }

    private readonly ref struct NormalizeRowRunningBody(ReadOnlySpan<float> x, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float epsilon, Span<float> y) : ILaneMap
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _mean = ref MemoryMarshal.GetReference(runningMean);
        private readonly ref float _var = ref MemoryMarshal.GetReference(runningVar);
        private readonly ref float _gamma = ref MemoryMarshal.GetReference(gamma);
        private readonly ref float _beta = ref MemoryMarshal.GetReference(beta);
        private readonly ref float _y = ref MemoryMarshal.GetReference(y);
        private readonly float _epsilon = epsilon;

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var x = ref _x;
            ref var mean = ref _mean;
            ref var var = ref _var;
            ref var gamma = ref _gamma;
            ref var beta = ref _beta;
            ref var y = ref _y;
            var epsilon = _epsilon;
            for (var i = start; i < end; i += T.Count)
            {
                var k = T.Load(ref gamma, i) / T.Sqrt(T.Load(ref var, i) + T.Splat(epsilon));
                var centered = T.Load(ref x, i) - T.Load(ref mean, i);
                ((centered * k) + T.Load(ref beta, i)).Store(ref y, i);
            }
        }
    }

    private readonly ref struct BatchNormRowBackwardBody(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> invstd, ReadOnlySpan<float> gamma, ReadOnlySpan<float> meanDy, ReadOnlySpan<float> meanDyXhat, Span<float> dx, bool accumulate) : ILaneMap
    {
        private readonly ref float _dy = ref MemoryMarshal.GetReference(dy);
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _mean = ref MemoryMarshal.GetReference(mean);
        private readonly ref float _invstd = ref MemoryMarshal.GetReference(invstd);
        private readonly ref float _gamma = ref MemoryMarshal.GetReference(gamma);
        private readonly ref float _meanDy = ref MemoryMarshal.GetReference(meanDy);
        private readonly ref float _meanDyXhat = ref MemoryMarshal.GetReference(meanDyXhat);
        private readonly ref float _dx = ref MemoryMarshal.GetReference(dx);
        private readonly bool _accumulate = accumulate;

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var dy = ref _dy;
            ref var x = ref _x;
            ref var mean = ref _mean;
            ref var invstd = ref _invstd;
            ref var gamma = ref _gamma;
            ref var meanDy = ref _meanDy;
            ref var meanDyXhat = ref _meanDyXhat;
            ref var dx = ref _dx;
            var accumulate = _accumulate;
            for (var i = start; i < end; i += T.Count)
            {
                var s = T.Load(ref invstd, i);
                var xhat = (T.Load(ref x, i) - T.Load(ref mean, i)) * s;
                var inner = T.Load(ref dy, i) - T.Load(ref meanDy, i) - (xhat * T.Load(ref meanDyXhat, i));
                var g = T.Load(ref gamma, i) * s * inner;
                (accumulate ? g + T.Load(ref dx, i) : g).Store(ref dx, i);
            }
        }
    }

    private readonly ref struct CenteredDotBody(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean) : ILaneSum
    {
        private readonly ref float _dy = ref MemoryMarshal.GetReference(dy);
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly float _mean = mean;

        public T Run<T>(int start, int end, T acc)
            where T : struct, ILanes<T>
        {
            ref var dy = ref _dy;
            ref var x = ref _x;
            var mean = _mean;
            for (var i = start; i < end; i += T.Count)
            {
                acc += T.Load(ref dy, i) * (T.Load(ref x, i) - T.Splat(mean));
            }

            return acc;
        }
    }

    private readonly ref struct CenteredDot3Body(ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma, ReadOnlySpan<float> x, float mean) : ILaneSum
    {
        private readonly ref float _dy = ref MemoryMarshal.GetReference(dy);
        private readonly ref float _gamma = ref MemoryMarshal.GetReference(gamma);
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly float _mean = mean;

        public T Run<T>(int start, int end, T acc)
            where T : struct, ILanes<T>
        {
            ref var dy = ref _dy;
            ref var gamma = ref _gamma;
            ref var x = ref _x;
            var mean = _mean;
            for (var i = start; i < end; i += T.Count)
            {
                acc += T.Load(ref dy, i) * T.Load(ref gamma, i) * (T.Load(ref x, i) - T.Splat(mean));
            }

            return acc;
        }
    }

    private readonly ref struct LayerNormRowBody(ReadOnlySpan<float> x, float mean, float invstd, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y) : ILaneMap
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _gamma = ref MemoryMarshal.GetReference(gamma);
        private readonly ref float _beta = ref MemoryMarshal.GetReference(beta);
        private readonly ref float _y = ref MemoryMarshal.GetReference(y);
        private readonly float _mean = mean;
        private readonly float _invstd = invstd;

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var x = ref _x;
            ref var gamma = ref _gamma;
            ref var beta = ref _beta;
            ref var y = ref _y;
            var mean = _mean;
            var invstd = _invstd;
            for (var i = start; i < end; i += T.Count)
            {
                var xhat = (T.Load(ref x, i) - T.Splat(mean)) * T.Splat(invstd);
                ((xhat * T.Load(ref gamma, i)) + T.Load(ref beta, i)).Store(ref y, i);
            }
        }
    }

    private readonly ref struct LayerNormRowBackwardBody(ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma, ReadOnlySpan<float> x, float mean, float invstd, float meanG, float meanGXhat, Span<float> dx, bool accumulate) : ILaneMap
    {
        private readonly ref float _dy = ref MemoryMarshal.GetReference(dy);
        private readonly ref float _gamma = ref MemoryMarshal.GetReference(gamma);
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _dx = ref MemoryMarshal.GetReference(dx);
        private readonly float _mean = mean;
        private readonly float _invstd = invstd;
        private readonly float _meanG = meanG;
        private readonly float _meanGXhat = meanGXhat;
        private readonly bool _accumulate = accumulate;

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var dy = ref _dy;
            ref var gamma = ref _gamma;
            ref var x = ref _x;
            ref var dx = ref _dx;
            var mean = _mean;
            var invstd = _invstd;
            var meanG = _meanG;
            var meanGXhat = _meanGXhat;
            var accumulate = _accumulate;
            for (var i = start; i < end; i += T.Count)
            {
                var s = T.Splat(invstd);
                var xhat = (T.Load(ref x, i) - T.Splat(mean)) * s;
                var g = s * ((T.Load(ref dy, i) * T.Load(ref gamma, i)) - T.Splat(meanG) - (xhat * T.Splat(meanGXhat)));
                (accumulate ? g + T.Load(ref dx, i) : g).Store(ref dx, i);
            }
        }
    }
}
