// Reduction kernels: column sums (one thread per column, rows walked in order), axis sums and their broadcast
// adjoint, and the grouped segment reduction that sums a channel of a (n, C, inner) tensor, or a whole tensor,
// through shared memory.
using ILGPU;
using ILGPU.Algorithms;

namespace Dtrain.Models.Backends.Ilgpu;

/// <summary>What <see cref="IlgpuKernels.SegmentReduce"/> sums over segment c of an (n, channels, inner) view.</summary>
/// <param name="N">Outer count of the view.</param>
/// <param name="Channels">Segments: channel c holds n * inner elements.</param>
/// <param name="Inner">Contiguous run of one (example, channel).</param>
/// <param name="Mode">The summed term: see <see cref="IlgpuKernels.SegmentTerm"/>.</param>
/// <param name="Scale">Factor on the sum.</param>
/// <param name="Accumulate">1 to add the scaled sum to the output, 0 to overwrite it.</param>
internal readonly record struct SegmentArgs(int N, int Channels, int Inner, int Mode, float Scale, int Accumulate);

internal static partial class IlgpuKernels
{
    /// <summary>Term a of a segment sum.</summary>
    public const int SumA = 0;

    /// <summary>Term a^2.</summary>
    public const int SumSquares = 1;

    /// <summary>Term (a - mean[c])^2.</summary>
    public const int SumSquaredDeviation = 2;

    /// <summary>Term a (b - mean[c]).</summary>
    public const int SumCenteredProduct = 3;

    /// <summary>Term (a - b)^2.</summary>
    public const int SumSquaredDifference = 4;

    /// <summary>Term a min(b, 0): PReLU's slope gradient with a = dy, b = x.</summary>
    public const int SumNegativeProduct = 5;

    /// <summary>dst[c] (+)= sum over rows of x[r, c] (times w[r, c] when <paramref name="weighted"/>).</summary>
    public static void ColumnSums(Index1D c, ArrayView<float> x, ArrayView<float> w, ArrayView<float> dst, int rows, int cols, int weighted, int accumulate)
    {
        var sum = 0f;
        for (var r = 0; r < rows; r++)
        {
            var at = (r * cols) + c;
            sum += weighted != 0 ? x[at] * w[at] : x[at];
        }

        dst[c] = accumulate != 0 ? dst[c] + sum : sum;
    }

    /// <summary>y[o, j] (+)= alpha * sum over a of x[o, a, j], one thread per output.</summary>
    public static void ReduceAxis(Index1D t, ArrayView<float> x, ArrayView<float> y, int length, int inner, float alpha, int accumulate)
    {
        var o = t / inner;
        var j = t - (o * inner);
        var sum = 0f;
        for (var a = 0; a < length; a++)
        {
            sum += x[(((o * length) + a) * inner) + j];
        }

        var v = alpha * sum;
        y[t] = accumulate != 0 ? y[t] + v : v;
    }

    /// <summary>
    /// One group per segment (Grid.IdxX = channel): each thread sums a strided share of the segment's terms, then
    /// the group adds the partial sums as a tree in shared memory (Group.DimX floats, a power of two).
    /// </summary>
    public static void SegmentReduce(SegmentArgs p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> mean, ArrayView<float> output)
    {
        var partial = SharedMemory.GetDynamic<float>();
        var c = Grid.IdxX;
        var tid = Group.IdxX;
        var size = Group.DimX;
        var count = p.N * p.Inner;
        var m = p.Mode == SumSquaredDeviation || p.Mode == SumCenteredProduct ? mean[c] : 0f;
        var sum = 0f;
        for (var e = tid; e < count; e += size)
        {
            var r = e / p.Inner;
            var at = (((r * p.Channels) + c) * p.Inner) + (e - (r * p.Inner));
            sum += SegmentTerm(p.Mode, a[at], p.Mode >= SumCenteredProduct ? b[at] : 0f, m);
        }

        partial[tid] = sum;
        Group.Barrier();
        for (var half = size / 2; half > 0; half /= 2)
        {
            if (tid < half)
            {
                partial[tid] += partial[tid + half];
            }

            Group.Barrier();
        }

        if (tid == 0)
        {
            var v = p.Scale * partial[0];
            output[c] = p.Accumulate != 0 ? output[c] + v : v;
        }
    }

    /// <summary>The term a segment sum adds for one element.</summary>
    public static float SegmentTerm(int mode, float a, float b, float mean)
    {
        if (mode == SumA)
        {
            return a;
        }

        if (mode == SumSquares)
        {
            return a * a;
        }

        if (mode == SumSquaredDeviation)
        {
            return (a - mean) * (a - mean);
        }

        if (mode == SumCenteredProduct)
        {
            return a * (b - mean);
        }

        return mode == SumSquaredDifference ? (a - b) * (a - b) : a * XMath.Min(b, 0f);
    }

    /// <summary>dx[o, a, j] (+)= alpha dy[o, j] over an (outer, length, inner) dx.</summary>
    public static void BroadcastAxis(Index1D i, ArrayView<float> dy, ArrayView<float> dx, int length, int inner, float alpha, int accumulate)
    {
        var o = i / (length * inner);
        var v = alpha * dy[(o * inner) + (i % inner)];
        dx[i] = accumulate != 0 ? dx[i] + v : v;
    }
}
