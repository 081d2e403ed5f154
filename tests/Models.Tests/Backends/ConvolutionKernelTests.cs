// The CPU backend's convolution and pooling kernels against naive loops in double precision, on geometries
// that exercise padding, strides, rectangular windows, the direct, pointwise and 2x2 fast paths, and batches split
// over one to three threads (parts claim examples, so the weight gradient is summed over per-part partials);
// and large activations, which are split over threads too.
using Dtrain.Models.Backends;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Ops;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Tests.Backends;

public sealed class ConvolutionKernelTests
{
    public static TheoryData<int, int, int> Cases()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var (geometry, threads, batch) in Combinations())
        {
            data.Add(geometry, threads, batch);
        }

        return data;
    }

    public static TheoryData<int, int, int, bool> ConvCases()
    {
        // Stride-1 convolutions take the direct path on AVX-512 machines; false forces im2col + GEMM for them too.
        var data = new TheoryData<int, int, int, bool>();
        foreach (var (geometry, threads, batch) in Combinations())
        {
            data.Add(geometry, threads, batch, true);
            data.Add(geometry, threads, batch, false);
        }

        return data;
    }

    /// <summary>Every geometry on one thread with one example, and split over 2 and 3 threads.</summary>
    private static IEnumerable<(int Geometry, int Threads, int Batch)> Combinations() =>
        from geometry in Enumerable.Range(0, Geometries.Length)
        from split in new[] { (Threads: 1, Batch: 1), (Threads: 2, Batch: 5), (Threads: 3, Batch: 4) }
        select (geometry, split.Threads, split.Batch);

    private static readonly Window2d[] Geometries =
    [
        new(1, 28, 28, 5, 5, 1, 1, 2, 2),   // LeNet-5 conv1
        new(6, 14, 14, 5, 5, 1, 1, 0, 0),   // LeNet-5 conv2
        new(2, 7, 6, 3, 2, 2, 1, 1, 0),     // rectangular, strided, padded on one axis
        new(3, 5, 5, 1, 1, 1, 1, 0, 0),     // pointwise: no im2col
        new(2, 6, 10, 2, 2, 2, 2, 0, 0),    // the 2x2 pooling fast path, 8 <= W < 16
        new(2, 5, 9, 3, 3, 2, 2, 1, 1),     // overlapping, padded windows
        new(6, 28, 28, 2, 2, 2, 2, 0, 0),   // LeNet-5 pool1: the 2x2 fast path with 16-wide steps
        new(3, 4, 6, 2, 2, 2, 2, 0, 0),     // the 2x2 fast path on rows narrower than a vector
    ];

    /// <summary>Filters per geometry: the direct path tiles filters by 8, with a last block of 6 where that covers it.</summary>
    private static readonly int[] Filters = [11, 16, 4, 7, 15, 6, 8, 5];

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_matches_a_naive_convolution(int geometry, int threads, int batch, bool direct)
    {
        var g = Geometries[geometry];
        var filters = Filters[geometry];
        var rng = new Random((geometry * 10) + threads);
        var x = Random(rng, batch * g.InputSize);
        var w = Random(rng, filters * g.PatchSize);
        var bias = Random(rng, filters);
        var dy = Random(rng, batch * filters * g.OutputPlane);
        var (y, dw, db, dx) = NaiveConv(g, filters, batch, x, w, bias, dy);
        using var backend = new CpuBackend(threads) { DirectConvolution = direct };
        var columns = backend.Allocate(g.ColumnSize * Conv2d.ColumnSlots);
        var tx = Put(backend, x);
        var tw = Put(backend, w);
        var tdy = Put(backend, dy);

        var ty = Put(backend, new float[y.Length]);
        backend.Conv2dForward(g, filters, batch, tx, tw, Put(backend, bias), ty, new Tensor(columns, 0, columns.Length));
        AssertClose(y, Get(backend, ty), "y");

        // Garbage in the outputs first: without accumulate it must be overwritten, with it added to.
        var old = Random(rng, dw.Length + db.Length + dx.Length);
        foreach (var accumulate in new[] { false, true })
        {
            var (tdw, tdb, tdx) = (Put(backend, old[..dw.Length]), Put(backend, old[dw.Length..^dx.Length]), Put(backend, old[^dx.Length..]));
            backend.Conv2dBackward(g, filters, batch, tx, tw, tdy, tdw, tdb, accumulate, tdx, accumulate, new Tensor(columns, 0, columns.Length));
            AssertClose(Plus(dw, accumulate ? old[..dw.Length] : null), Get(backend, tdw), $"dw (accumulate {accumulate})");
            AssertClose(Plus(db, accumulate ? old[dw.Length..^dx.Length] : null), Get(backend, tdb), $"db (accumulate {accumulate})");
            AssertClose(Plus(dx, accumulate ? old[^dx.Length..] : null), Get(backend, tdx), $"dx (accumulate {accumulate})");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Conv2d_weight_gradient_is_the_same_bits_on_any_number_of_threads(bool direct)
    {
        // Chunks of examples are summed in a fixed order whichever thread took them, so training repeats exactly.
        var g = Geometries[1];
        const int Filters = 16, Batch = 37;
        var rng = new Random(3);
        var (x, w, dy) = (Random(rng, Batch * g.InputSize), Random(rng, Filters * g.PatchSize), Random(rng, Batch * Filters * g.OutputPlane));
        float[] WeightGradient(int threads)
        {
            using var backend = new CpuBackend(threads) { DirectConvolution = direct };
            var (dw, db) = (Put(backend, new float[w.Length]), Put(backend, new float[Filters]));
            var columns = Put(backend, new float[g.ColumnSize * Conv2d.ColumnSlots]);
            backend.Conv2dBackward(g, Filters, Batch, Put(backend, x), Put(backend, w), Put(backend, dy), dw, db, false, null, false, columns);
            return [.. Get(backend, dw), .. Get(backend, db)];
        }

        var once = WeightGradient(1);
        Assert.Equal(once, WeightGradient(2));
        Assert.Equal(once, WeightGradient(3));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MaxPool2d_matches_a_naive_pooling(int geometry, int threads, int batch)
    {
        var g = Geometries[geometry];
        var rng = new Random((geometry * 10) + threads);
        var x = Random(rng, batch * g.InputSize);
        var dy = Random(rng, batch * g.Channels * g.OutputPlane);
        var (y, dx) = NaivePool(g, batch, x, dy, max: true);
        using var backend = new CpuBackend(threads);
        var ty = Put(backend, new float[y.Length]);
        var argmax = Put(backend, new float[y.Length]);

        backend.MaxPool2dForward(g, batch, Put(backend, x), ty, argmax);
        var tdx = Put(backend, Random(rng, dx.Length));
        backend.MaxPool2dBackward(g, batch, Put(backend, dy), argmax, tdx, accumulate: false);
        var overwritten = Get(backend, tdx);
        backend.MaxPool2dBackward(g, batch, Put(backend, dy), argmax, tdx, accumulate: true);

        AssertClose(y, Get(backend, ty), "y");
        AssertClose(dx, overwritten, "dx");
        AssertClose(dx.Select(v => 2 * v).ToArray(), Get(backend, tdx), "dx accumulated twice");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AvgPool2d_matches_a_naive_pooling(int geometry, int threads, int batch)
    {
        var g = Geometries[geometry];
        var rng = new Random((geometry * 10) + threads);
        var x = Random(rng, batch * g.InputSize);
        var dy = Random(rng, batch * g.Channels * g.OutputPlane);
        var (y, dx) = NaivePool(g, batch, x, dy, max: false);
        using var backend = new CpuBackend(threads);
        var ty = Put(backend, new float[y.Length]);
        var old = Random(rng, dx.Length);
        var tdx = Put(backend, old);

        backend.AvgPool2dForward(g, batch, Put(backend, x), ty);
        backend.AvgPool2dBackward(g, batch, Put(backend, dy), tdx, accumulate: true);

        AssertClose(y, Get(backend, ty), "y");
        AssertClose(Plus(dx, old), Get(backend, tdx), "dx");
    }

    [Theory]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Tanh)]
    public void Activation_split_over_threads_matches_one_thread(Activation f)
    {
        // Large enough (a LeNet conv1 batch) to be split into chunks over the threads, with a ragged last chunk.
        const int N = (128 * 4704) + 5;
        var rng = new Random(7);
        var (x, dy, old) = (Random(rng, N), Random(rng, N), Random(rng, N));
        float[] Run(int threads, bool backward)
        {
            using var backend = new CpuBackend(threads);
            var (tx, ty, tdx) = (Put(backend, x), Put(backend, new float[N]), Put(backend, old));
            backend.Activate(f, tx, ty);
            if (backward)
            {
                backend.ActivateBackward(f, tx, ty, Put(backend, dy), tdx, accumulate: true);
            }

            return Get(backend, backward ? tdx : ty);
        }

        Assert.Equal(Run(1, backward: false), Run(3, backward: false));
        Assert.Equal(Run(1, backward: true), Run(3, backward: true));
    }

    private static (double[] Y, double[] Dw, double[] Db, double[] Dx) NaiveConv(Window2d g, int filters, int batch, float[] x, float[] w, float[] bias, float[] dy)
    {
        var (outH, outW) = (g.OutH, g.OutW);
        var y = new double[batch * filters * outH * outW];
        var dw = new double[w.Length];
        var db = new double[filters];
        var dx = new double[x.Length];
        for (var b = 0; b < batch; b++)
        {
            for (var f = 0; f < filters; f++)
            {
                for (var oy = 0; oy < outH; oy++)
                {
                    for (var ox = 0; ox < outW; ox++)
                    {
                        var o = (((b * filters) + f) * outH * outW) + (oy * outW) + ox;
                        double sum = bias[f];
                        db[f] += dy[o];
                        foreach (var (xi, wi) in Taps(g, b, f, oy, ox))
                        {
                            sum += (double)x[xi] * w[wi];
                            dw[wi] += (double)dy[o] * x[xi];
                            dx[xi] += (double)dy[o] * w[wi];
                        }

                        y[o] = sum;
                    }
                }
            }
        }

        return (y, dw, db, dx);
    }

    /// <summary>The (input index, weight index) pairs of output (b, f, oy, ox) that fall inside the image.</summary>
    private static IEnumerable<(int X, int W)> Taps(Window2d g, int b, int f, int oy, int ox)
    {
        for (var c = 0; c < g.Channels; c++)
        {
            for (var i = 0; i < g.KernelH; i++)
            {
                for (var j = 0; j < g.KernelW; j++)
                {
                    var (iy, ix) = ((oy * g.StrideH) - g.PadH + i, (ox * g.StrideW) - g.PadW + j);
                    if (iy >= 0 && iy < g.Height && ix >= 0 && ix < g.Width)
                    {
                        yield return ((b * g.InputSize) + (((c * g.Height) + iy) * g.Width) + ix, (((((f * g.Channels) + c) * g.KernelH) + i) * g.KernelW) + j);
                    }
                }
            }
        }
    }

    private static (double[] Y, double[] Dx) NaivePool(Window2d g, int batch, float[] x, float[] dy, bool max)
    {
        var (outH, outW) = (g.OutH, g.OutW);
        var y = new double[batch * g.Channels * outH * outW];
        var dx = new double[x.Length];
        for (var plane = 0; plane < batch * g.Channels; plane++)
        {
            for (var oy = 0; oy < outH; oy++)
            {
                for (var ox = 0; ox < outW; ox++)
                {
                    var o = (plane * outH * outW) + (oy * outW) + ox;
                    var inside = new List<int>();
                    for (var iy = Math.Max(0, (oy * g.StrideH) - g.PadH); iy < Math.Min(g.Height, (oy * g.StrideH) - g.PadH + g.KernelH); iy++)
                    {
                        for (var ix = Math.Max(0, (ox * g.StrideW) - g.PadW); ix < Math.Min(g.Width, (ox * g.StrideW) - g.PadW + g.KernelW); ix++)
                        {
                            inside.Add((plane * g.Height * g.Width) + (iy * g.Width) + ix);
                        }
                    }

                    if (max)
                    {
                        var winner = inside.MaxBy(i => x[i]);
                        y[o] = x[winner];
                        dx[winner] += dy[o];
                    }
                    else
                    {
                        y[o] = inside.Average(i => (double)x[i]);
                        inside.ForEach(i => dx[i] += dy[o] / inside.Count);
                    }
                }
            }
        }

        return (y, dx);
    }

    private static float[] Random(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();

    private static double[] Plus(double[] a, float[]? b) => b is null ? a : a.Select((v, i) => v + b[i]).ToArray();

    private static Tensor Put(IBackend backend, float[] values)
    {
        var t = new Tensor(backend.Allocate(values.Length), 0, values.Length);
        backend.Upload(values, t);
        return t;
    }

    private static float[] Get(IBackend backend, Tensor t)
    {
        var host = new float[t.Length];
        backend.Download(t, host);
        return host;
    }

    private static void AssertClose(double[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * (1 + Math.Abs(expected[i])), $"{what}[{i}]: expected {expected[i]:G7}, got {actual[i]:G7}");
        }
    }
}
