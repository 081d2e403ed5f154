// LaneLoop, the one place the CPU kernels pick their vector width: a body written once over the lanes must give
// the bits the hand-written Vector512 / Vector256 / scalar loops gave, at every length around the vector widths.
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Dtrain.Models.Backends;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Tests.Backends;

public sealed class LaneLoopTests
{
    [Fact]
    public void Map_gives_the_scalar_loops_bits_at_every_length()
    {
        for (var n = 0; n <= 70; n++)
        {
            var x = Values(n, seed: n);
            var y = new float[n];
            var body = new AffineBody(x, 0.37f, y);
            LaneLoop.Map(n, ref body);

            for (var i = 0; i < n; i++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits((x[i] * 0.37f) + 1f), BitConverter.SingleToInt32Bits(y[i]));
            }
        }
    }

    [Fact]
    public void Sum_adds_in_the_hand_written_loops_order_at_every_length()
    {
        for (var n = 0; n <= 70; n++)
        {
            var x = Values(n, seed: 100 + n);
            var body = new SumBody(x);
            Assert.Equal(BitConverter.SingleToInt32Bits(HandWrittenSum(x)), BitConverter.SingleToInt32Bits(LaneLoop.Sum(n, ref body)));
        }
    }

    [Fact]
    public void A_strided_view_too_small_is_rejected_naming_the_kernel()
    {
        using var backend = new CpuBackend(threads: 1);
        var source = new Tensor(backend.Allocate(12), 0, 12);
        var target = new Tensor(backend.Allocate(5), 0, 5);

        var error = Assert.Throws<ArgumentException>(() => backend.CopyRows(new StridedMatrix(source, 4), new StridedMatrix(target, 4), 3, 4));

        Assert.Contains("CopyRows", error.Message);
        Assert.Contains("target", error.Message);
    }

    private static float[] Values(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5) * 10f).ToArray();
    }

    /// <summary>The sum loop the CPU backend had before LaneLoop: lane accumulators, Vector512.Sum, then the tail.</summary>
    private static float HandWrittenSum(float[] a)
    {
        var (n, i, sum) = (a.Length, 0, 0f);
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                acc += Vector512.Create(a.AsSpan(i, 16));
            }

            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                acc += Vector256.Create(a.AsSpan(i, 8));
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            sum += a[i];
        }

        return sum;
    }

    private readonly ref struct AffineBody(ReadOnlySpan<float> x, float a, Span<float> y) : ILaneMap
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _y = ref MemoryMarshal.GetReference(y);
        private readonly float _a = a;

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var x = ref _x;
            ref var y = ref _y;
            var a = _a;
            for (var i = start; i < end; i += T.Count)
            {
                ((T.Load(ref x, i) * T.Splat(a)) + T.One).Store(ref y, i);
            }
        }
    }

    private readonly ref struct SumBody(ReadOnlySpan<float> x) : ILaneSum
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);

        public T Run<T>(int start, int end, T acc)
            where T : struct, ILanes<T>
        {
            ref var x = ref _x;
            for (var i = start; i < end; i += T.Count)
            {
                acc += T.Load(ref x, i);
            }

            return acc;
        }
    }
}
