// The kernel contract of the atomic ops and of gradient clipping, written once against Upload/Download so every
// backend runs it; each kernel is compared with a scalar loop. Tensors sit between guard floats.
using Dtrain.Models.Backends;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Tests.Backends;

public abstract class AtomicKernelTests : IDisposable
{
    private const int Guard = 3;
    private const float Sentinel = -12345f;
    private readonly List<Tensor> _tensors = [];

    protected AtomicKernelTests(IBackend backend)
    {
        Backend = backend;
    }

    protected IBackend Backend { get; }

    public void Dispose() => Backend.Dispose();

    [Theory]
    [InlineData(BinaryFunction.Add, false, false, false)]
    [InlineData(BinaryFunction.Subtract, false, true, false)]
    [InlineData(BinaryFunction.Subtract, true, false, true)]
    [InlineData(BinaryFunction.Multiply, false, true, true)]
    [InlineData(BinaryFunction.Multiply, true, false, false)]
    public void Binary_matches_a_scalar_loop_with_either_operand_broadcast(BinaryFunction f, bool aBroadcast, bool bBroadcast, bool accumulate)
    {
        // 5 rows of 37 columns: the vector body and a scalar tail in every row.
        const int rows = 5, cols = 37;
        var a = Series(aBroadcast ? cols : rows * cols, 1);
        var b = Series(bBroadcast ? cols : rows * cols, 2);
        var y0 = Series(rows * cols, 3);
        var y = Put(y0);

        Backend.Binary(f, Put(a), aBroadcast, Put(b), bBroadcast, y, rows, cols, accumulate);

        var got = Get(y);
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                var (av, bv) = (a[aBroadcast ? c : (r * cols) + c], b[bBroadcast ? c : (r * cols) + c]);
                var v = f switch { BinaryFunction.Add => av + bv, BinaryFunction.Subtract => av - bv, _ => av * bv };
                Assert.Equal((accumulate ? y0[(r * cols) + c] : 0f) + v, got[(r * cols) + c], 1e-6f);
            }
        }

        AssertGuardsIntact();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AddScaled_and_MultiplySumRows_match_scalar_loops(bool accumulate)
    {
        const int rows = 4, cols = 21;
        var (x, w, y0, d0) = (Series(rows * cols, 4), Series(rows * cols, 5), Series(rows * cols, 6), Series(cols, 7));
        var (y, d) = (Put(y0), Put(d0));

        Backend.AddScaled(Put(x), -2.5f, y, accumulate);
        Backend.MultiplySumRows(Put(x), Put(w), d, rows, cols, accumulate);

        var (gotY, gotD) = (Get(y), Get(d));
        for (var i = 0; i < rows * cols; i++)
        {
            Assert.Equal((accumulate ? y0[i] : 0f) - (2.5f * x[i]), gotY[i], 1e-6f);
        }

        for (var c = 0; c < cols; c++)
        {
            var sum = Enumerable.Range(0, rows).Sum(r => (double)x[(r * cols) + c] * w[(r * cols) + c]);
            Assert.Equal((accumulate ? d0[c] : 0) + sum, gotD[c], 1e-5);
        }

        AssertGuardsIntact();
    }

    [Fact]
    public void Unary_exp_and_log_and_their_gradients_match_the_math()
    {
        var x = Series(19, 8).Select(v => v + 1.5f).ToArray(); // in (0.5, 2.5): log is defined
        var dy = Series(19, 9);
        var (e, l, de, dl) = (Put(new float[19]), Put(new float[19]), Put(new float[19]), Put(new float[19]));
        var xt = Put(x);

        Backend.Unary(UnaryFunction.Exp, xt, e);
        Backend.Unary(UnaryFunction.Log, xt, l);
        Backend.UnaryBackward(UnaryFunction.Exp, xt, e, Put(dy), de, false);
        Backend.UnaryBackward(UnaryFunction.Log, xt, l, Put(dy), dl, false);

        for (var i = 0; i < x.Length; i++)
        {
            Assert.Equal(Math.Exp(x[i]), Get(e)[i], 1e-5 * Math.Exp(x[i]));
            Assert.Equal(Math.Log(x[i]), Get(l)[i], 1e-6);
            Assert.Equal(dy[i] * Math.Exp(x[i]), Get(de)[i], 1e-5);
            Assert.Equal(dy[i] / x[i], Get(dl)[i], 1e-5);
        }

        AssertGuardsIntact();
    }

    [Fact]
    public void Log_of_non_positive_values_is_nan_or_minus_infinity()
    {
        var y = Put(0f, 0f);

        Backend.Unary(UnaryFunction.Log, Put(-1f, 0f), y);

        Assert.True(float.IsNaN(Get(y)[0]));
        Assert.Equal(float.NegativeInfinity, Get(y)[1]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CopyStrided_moves_one_column_band_and_touches_nothing_else(bool accumulate)
    {
        // src rows of 7 floats, band [2, 5); dst rows of 4 floats, band [1, 4).
        const int rows = 3;
        var src = Series(rows * 7, 10);
        var d0 = Series(rows * 4, 11);
        var dst = Put(d0);

        Backend.CopyStrided(Put(src), 7, 2, dst, 4, 1, rows, 3, accumulate);

        var got = Get(dst);
        for (var r = 0; r < rows; r++)
        {
            Assert.Equal(d0[r * 4], got[r * 4]);
            for (var c = 0; c < 3; c++)
            {
                Assert.Equal((accumulate ? d0[(r * 4) + 1 + c] : 0f) + src[(r * 7) + 2 + c], got[(r * 4) + 1 + c], 1e-6f);
            }
        }

        AssertGuardsIntact();
    }

    [Theory]
    [InlineData(new[] { 37, 70 }, new[] { 1, 0 }, false)]
    [InlineData(new[] { 3, 4, 5 }, new[] { 2, 0, 1 }, true)]
    [InlineData(new[] { 3, 4, 5 }, new[] { 0, 2, 1 }, false)]
    [InlineData(new[] { 2, 3, 4, 5 }, new[] { 3, 1, 0, 2 }, true)]
    public void Permute_matches_index_arithmetic(int[] dims, int[] perm, bool accumulate)
    {
        // Two examples; the 37 x 70 case crosses the transpose tiles unevenly.
        const int batch = 2;
        var size = dims.Aggregate(1, (a, b) => a * b);
        var x = Series(batch * size, 12);
        var y0 = Series(batch * size, 13);
        var y = Put(y0);

        Backend.Permute(Put(x), y, batch, dims, perm, accumulate);

        var got = Get(y);
        var outDims = perm.Select(p => dims[p]).ToArray();
        for (var e = 0; e < batch; e++)
        {
            for (var flat = 0; flat < size; flat++)
            {
                // Unravel the output index, then read x at the index whose axis perm[k] is output index k.
                var outIndex = Unravel(flat, outDims);
                var inIndex = new int[dims.Length];
                for (var k = 0; k < perm.Length; k++)
                {
                    inIndex[perm[k]] = outIndex[k];
                }

                var expected = x[(e * size) + Ravel(inIndex, dims)] + (accumulate ? y0[(e * size) + flat] : 0f);
                Assert.Equal(expected, got[(e * size) + flat], 1e-6f);
            }
        }

        AssertGuardsIntact();
    }

    [Fact]
    public void BatchedGemm_multiplies_each_example_by_its_own_matrix()
    {
        const int batch = 3, m = 2, k = 5, n = 4;
        var a = Series(batch * k * m, 14);
        var b = Series(batch * n * k, 15);
        var c0 = Series(batch * m * n, 16);
        var c = Put(c0);

        // A stored transposed (k x m) and B transposed (n x k) per example, with beta = 1.
        Backend.BatchedGemm(true, true, batch, m, n, k, 0.5f, Put(a), Put(b), 1f, c);

        var got = Get(c);
        for (var e = 0; e < batch; e++)
        {
            for (var i = 0; i < m; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    var sum = Enumerable.Range(0, k).Sum(p => (double)a[(e * k * m) + (p * m) + i] * b[(e * n * k) + (j * k) + p]);
                    Assert.Equal((0.5 * sum) + c0[(e * m * n) + (i * n) + j], got[(e * m * n) + (i * n) + j], 1e-5);
                }
            }
        }

        AssertGuardsIntact();
    }

    [Theory]
    [InlineData(3, 5, 7, false)]
    [InlineData(2, 40, 1, true)]
    [InlineData(1, 6, 33, true)]
    public void ReduceAxis_and_BroadcastAxis_match_scalar_loops(int outer, int length, int inner, bool accumulate)
    {
        var x = Series(outer * length * inner, 17);
        var y0 = Series(outer * inner, 18);
        var dx0 = Series(outer * length * inner, 19);
        var (y, dx) = (Put(y0), Put(dx0));

        Backend.ReduceAxis(Put(x), y, outer, length, inner, 0.25f, accumulate);
        Backend.BroadcastAxis(Put(y0), dx, outer, length, inner, -3f, accumulate);

        var (gotY, gotDx) = (Get(y), Get(dx));
        for (var o = 0; o < outer; o++)
        {
            for (var i = 0; i < inner; i++)
            {
                var sum = Enumerable.Range(0, length).Sum(a => (double)x[(((o * length) + a) * inner) + i]);
                Assert.Equal((accumulate ? y0[(o * inner) + i] : 0) + (0.25 * sum), gotY[(o * inner) + i], 1e-5);
                for (var a = 0; a < length; a++)
                {
                    var at = (((o * length) + a) * inner) + i;
                    Assert.Equal((accumulate ? dx0[at] : 0f) - (3f * y0[(o * inner) + i]), gotDx[at], 1e-5f);
                }
            }
        }

        AssertGuardsIntact();
    }

    [Theory]
    [InlineData(5)]
    [InlineData(70_003)]
    public void SumOfSquares_adds_up_across_calls_and_Scale_multiplies_in_place(int length)
    {
        var x = Series(length, 20);
        var result = Put(7f);
        var xt = Put(x);

        Backend.SumOfSquares(xt, result, accumulate: false);
        Backend.SumOfSquares(xt, result, accumulate: true);
        Backend.Scale(xt, 0.5f);

        var expected = 2 * x.Sum(v => (double)v * v);
        Assert.Equal(expected, Get(result)[0], expected * 1e-6);
        Assert.Equal(x.Select(v => v * 0.5f).ToArray(), Get(xt));
        AssertGuardsIntact();
    }

    private static int[] Unravel(int flat, int[] dims)
    {
        var index = new int[dims.Length];
        for (var a = dims.Length - 1; a >= 0; a--)
        {
            index[a] = flat % dims[a];
            flat /= dims[a];
        }

        return index;
    }

    private static int Ravel(int[] index, int[] dims) => index.Select((v, a) => (v, a)).Aggregate(0, (acc, p) => (acc * dims[p.a]) + p.v);

    private static float[] Series(int length, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
    }

    private Tensor Put(params float[] values)
    {
        var buffer = Backend.Allocate(values.Length + (2 * Guard));
        var guarded = Enumerable.Repeat(Sentinel, Guard).Concat(values).Concat(Enumerable.Repeat(Sentinel, Guard)).ToArray();
        Backend.Upload(guarded, new Tensor(buffer, 0, guarded.Length));
        var tensor = new Tensor(buffer, Guard, values.Length);
        _tensors.Add(tensor);
        return tensor;
    }

    private float[] Get(Tensor tensor)
    {
        var host = new float[tensor.Length];
        Backend.Download(tensor, host);
        return host;
    }

    private void AssertGuardsIntact()
    {
        foreach (var t in _tensors)
        {
            var whole = Get(new Tensor(t.Buffer, 0, t.Buffer.Length));
            Assert.All(whole[..Guard].Concat(whole[^Guard..]), v => Assert.Equal(Sentinel, v));
        }
    }
}

public sealed class CpuAtomicKernelTests : AtomicKernelTests
{
    public CpuAtomicKernelTests()
        : base(new CpuBackend(threads: 1))
    {
    }
}
