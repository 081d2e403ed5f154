// The `conv` benchmark: checks the CPU backend's conv2d (direct and im2col + GEMM paths) against a naive
// convolution, then times forward and backward on LeNet-5's two layers at a training batch, printing a table.
using System.Diagnostics;
using Dtrain.Models.Backends;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Ops;
using Dtrain.Models.Tensors;

namespace Dtrain.Bench;

/// <summary>Entry point of <c>dtrain-bench conv</c>.</summary>
internal static class ConvBench
{
    /// <summary>LeNet-5's layers: conv1 sees the image (no input gradient in training), conv2 sees pool1.</summary>
    private static readonly (string Name, Window2d Window, int Filters, bool InputGradient)[] Layers =
    [
        ("conv1 1x28x28 -> 6, 5x5 pad 2", new Window2d(1, 28, 28, 5, 5, 1, 1, 2, 2), 6, false),
        ("conv2 6x14x14 -> 16, 5x5", new Window2d(6, 14, 14, 5, 5, 1, 1, 0, 0), 16, true),
    ];

    private const int TimedRuns = 7;

    /// <summary>Parses options, validates, times; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        int threads = Environment.ProcessorCount, batch = 128;
        double seconds = 0.5;
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i++])
            {
                case "--threads": threads = int.Parse(value); break;
                case "--batch": batch = int.Parse(value); break;
                case "--seconds": seconds = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown conv option {args[i - 1]}.");
            }
        }

        if (!Validate(threads))
        {
            return 1;
        }

        Console.WriteLine($"conv2d forward + backward, batch {batch}, {threads} thread(s), median of {TimedRuns} runs, ~{seconds:0.##} s per row");
        Console.WriteLine("GFLOP/s counts the convolution's multiply-adds (2 F C kh kw OutH OutW per example and pass), not padding or junk");
        Console.WriteLine($"{"layer",-32}{"path",-8}{"fwd ms",9}{"bwd ms",9}{"ex/s",10}{"GFLOP/s",9}");
        foreach (var (name, window, filters, inputGradient) in Layers)
        {
            foreach (var direct in new[] { true, false })
            {
                if (direct && !DirectConv.Applies(window))
                {
                    continue;
                }

                var (forward, backward) = Measure(window, filters, inputGradient, batch, threads, direct, seconds);
                double flops = 2.0 * filters * window.PatchSize * window.OutputPlane * batch * (inputGradient ? 3 : 2);
                Console.WriteLine($"{name,-32}{(direct ? "direct" : "im2col"),-8}{forward * 1e3,9:F3}{backward * 1e3,9:F3}"
                    + $"{batch / (forward + backward),10:N0}{flops / (forward + backward) / 1e9,9:F1}");
            }
        }

        return 0;
    }

    /// <summary>Median seconds of one forward and one backward call, each timed in runs of calls after warm-up.</summary>
    private static (double Forward, double Backward) Measure(Window2d g, int filters, bool inputGradient, int batch, int threads, bool direct, double seconds)
    {
        using var backend = new CpuBackend(threads) { DirectConvolution = direct };
        var x = Put(backend, Random(batch * g.InputSize, 1));
        var w = Put(backend, Random(filters * g.PatchSize, 2));
        var bias = Put(backend, Random(filters, 3));
        var y = Put(backend, new float[batch * filters * g.OutputPlane]);
        var dy = Put(backend, Random(batch * filters * g.OutputPlane, 4));
        var dw = Put(backend, new float[filters * g.PatchSize]);
        var db = Put(backend, new float[filters]);
        Tensor? dx = inputGradient ? Put(backend, new float[batch * g.InputSize]) : null;
        var columns = Put(backend, new float[g.ColumnSize * Conv2d.ColumnSlots]);
        void Forward() => backend.Conv2dForward(g, filters, batch, x, w, bias, y, columns);
        void Backward() => backend.Conv2dBackward(g, filters, batch, x, w, dy, dw, db, false, dx, false, columns);
        return (Median(Forward, seconds / 2), Median(Backward, seconds / 2));
    }

    private static double Median(Action call, double seconds)
    {
        // Warm-up doubles as calibration: how many calls fill one timed run.
        var sw = Stopwatch.StartNew();
        int calls = 0;
        while (calls < 3 || sw.Elapsed.TotalSeconds < seconds / (TimedRuns + 1))
        {
            call();
            calls++;
        }

        var times = new double[TimedRuns];
        for (int r = 0; r < TimedRuns; r++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++)
            {
                call();
            }

            times[r] = Stopwatch.GetElapsedTime(start).TotalSeconds / calls;
        }

        Array.Sort(times);
        return times[TimedRuns / 2];
    }

    /// <summary>Both paths on each layer (3 examples) against a naive convolution; false (and a loud message) on a mismatch.</summary>
    private static bool Validate(int threads)
    {
        const int Batch = 3;
        foreach (var (name, g, filters, _) in Layers)
        {
            float[] x = Random(Batch * g.InputSize, 5), w = Random(filters * g.PatchSize, 6), bias = Random(filters, 7);
            float[] dy = Random(Batch * filters * g.OutputPlane, 8);
            var (y, dw, db, dx) = Reference(g, filters, Batch, x, w, bias, dy);
            foreach (var direct in new[] { true, false })
            {
                using var backend = new CpuBackend(threads) { DirectConvolution = direct };
                var (tx, tw, tdy) = (Put(backend, x), Put(backend, w), Put(backend, dy));
                var (ty, tdw, tdb, tdx) = (Put(backend, new float[y.Length]), Put(backend, new float[dw.Length]), Put(backend, new float[db.Length]), Put(backend, new float[dx.Length]));
                var columns = Put(backend, new float[g.ColumnSize * Conv2d.ColumnSlots]);
                backend.Conv2dForward(g, filters, Batch, tx, tw, Put(backend, bias), ty, columns);
                backend.Conv2dBackward(g, filters, Batch, tx, tw, tdy, tdw, tdb, false, tdx, false, columns);
                foreach (var (what, expected, actual) in new[] { ("y", y, ty), ("dw", dw, tdw), ("db", db, tdb), ("dx", dx, tdx) })
                {
                    var got = Get(backend, actual);
                    for (int i = 0; i < expected.Length; i++)
                    {
                        if (Math.Abs(got[i] - expected[i]) > 1e-4 * (1 + Math.Abs(expected[i])))
                        {
                            Console.Error.WriteLine($"VALIDATION FAILED: {name} {(direct ? "direct" : "im2col")} {what}[{i}]: got {got[i]}, expected {expected[i]}");
                            return false;
                        }
                    }
                }
            }
        }

        Console.WriteLine("validation: direct and im2col paths match a naive convolution on both layers");
        return true;
    }

    private static (double[] Y, double[] Dw, double[] Db, double[] Dx) Reference(Window2d g, int filters, int batch, float[] x, float[] w, float[] bias, float[] dy)
    {
        var (outH, outW) = (g.OutH, g.OutW);
        double[] y = new double[batch * filters * outH * outW], dw = new double[w.Length], db = new double[filters], dx = new double[x.Length];
        for (int b = 0; b < batch; b++)
            for (int f = 0; f < filters; f++)
                for (int oy = 0; oy < outH; oy++)
                    for (int ox = 0; ox < outW; ox++)
                    {
                        int o = ((b * filters + f) * outH + oy) * outW + ox;
                        double sum = bias[f];
                        db[f] += dy[o];
                        for (int c = 0; c < g.Channels; c++)
                            for (int i = 0; i < g.KernelH; i++)
                                for (int j = 0; j < g.KernelW; j++)
                                {
                                    int iy = oy * g.StrideH - g.PadH + i, ix = ox * g.StrideW - g.PadW + j;
                                    if (iy < 0 || iy >= g.Height || ix < 0 || ix >= g.Width)
                                        continue;
                                    int xi = b * g.InputSize + (c * g.Height + iy) * g.Width + ix;
                                    int wi = ((f * g.Channels + c) * g.KernelH + i) * g.KernelW + j;
                                    sum += (double)x[xi] * w[wi];
                                    dw[wi] += (double)dy[o] * x[xi];
                                    dx[xi] += (double)dy[o] * w[wi];
                                }
                        y[o] = sum;
                    }
        return (y, dw, db, dx);
    }

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

    private static float[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = (float)(rng.NextDouble() * 2 - 1);
        return values;
    }
}
