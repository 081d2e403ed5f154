// The `gemm` benchmark: checks every kernel path against a naive reference, then times Sgemm on the
// shapes MNIST MLP training uses and on square ones, printing GFLOP/s as the median of timed runs.
using System.Diagnostics;
using Dtrain.Models.Backends.Cpu;

namespace Dtrain.Bench;

/// <summary>Entry point of <c>dtrain-bench gemm</c>.</summary>
internal static unsafe class GemmBench
{
    /// <summary>Timed shapes as (M, K, N): C[M x N] = op(A)[M x K] * op(B)[K x N].</summary>
    private static readonly (int M, int K, int N)[] Shapes =
    [
        (128, 784, 512),  // MNIST MLP layer 1 at batch 128
        (128, 512, 256),  // layer 2
        (512, 784, 512),
        (1024, 1024, 1024),
    ];

    /// <summary>Transpose cases; NT is the forward X * W^T, TN the weight gradient dY^T * X.</summary>
    private static readonly (bool TransA, bool TransB, string Name)[] Cases =
        [(false, false, "NN"), (false, true, "NT"), (true, false, "TN"), (true, true, "TT")];

    private const int TimedRuns = 7;

    /// <summary>Parses options, validates, times; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        int threads = Environment.ProcessorCount;
        double seconds = 0.5;
        GemmPath path = Gemm.DefaultPath;
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i++])
            {
                case "--threads": threads = int.Parse(value); break;
                case "--seconds": seconds = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "--path": path = Enum.Parse<GemmPath>(value, ignoreCase: true); break;
                default: throw new ArgumentException($"unknown gemm option {args[i - 1]}.");
            }
        }
        if (!Gemm.IsSupported(path))
            throw new ArgumentException($"this CPU cannot run the {path} path.");

        if (!Validate(threads))
            return 1;

        Console.WriteLine($"SGEMM GFLOP/s, path {path}, {threads} thread(s), median of {TimedRuns} runs, ~{seconds:0.##} s per cell");
        Console.WriteLine("C[M x N] = op(A)[M x K] * op(B)[K x N]; NT = A * B^T, TN = A^T * B");
        Console.Write($"{"M x K x N",-18}");
        foreach (var c in Cases)
            Console.Write($"{c.Name,9}");
        Console.WriteLine();
        foreach (var (m, k, n) in Shapes)
        {
            Console.Write($"{$"{m} x {k} x {n}",-18}");
            foreach (var (ta, tb, _) in Cases)
                Console.Write($"{Measure(path, ta, tb, m, n, k, threads, seconds),9:F1}");
            Console.WriteLine();
        }
        return 0;
    }

    /// <summary>Median GFLOP/s of <see cref="TimedRuns"/> runs, each a batch of calls, after warm-up.</summary>
    private static double Measure(GemmPath path, bool ta, bool tb, int m, int n, int k, int threads, double seconds)
    {
        float[] a = Random(m * k, 1), b = Random(k * n, 2), c = new float[m * n];
        int lda = ta ? m : k, ldb = tb ? k : n;
        fixed (float* pa = a, pb = b, pc = c)
        {
            // Warm-up doubles as calibration: how many calls fill one timed run.
            var sw = Stopwatch.StartNew();
            int calls = 0;
            while (calls < 3 || sw.Elapsed.TotalSeconds < seconds / (TimedRuns + 1))
            {
                Gemm.Run(path, ta, tb, m, n, k, 1f, pa, lda, pb, ldb, 0f, pc, n, threads);
                calls++;
            }
            var rates = new double[TimedRuns];
            for (int r = 0; r < TimedRuns; r++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < calls; i++)
                    Gemm.Run(path, ta, tb, m, n, k, 1f, pa, lda, pb, ldb, 0f, pc, n, threads);
                double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
                rates[r] = 2.0 * m * n * k * calls / elapsed / 1e9;
            }
            Array.Sort(rates);
            return rates[TimedRuns / 2];
        }
    }

    /// <summary>Checks each supported path and transpose case on odd sizes; false (and a loud message) on any mismatch.</summary>
    private static bool Validate(int threads)
    {
        const int m = 67, n = 45, k = 131;
        foreach (GemmPath path in Enum.GetValues<GemmPath>())
        {
            if (!Gemm.IsSupported(path))
            {
                Console.WriteLine($"validation: {path} path not supported on this CPU, not checked");
                continue;
            }
            foreach (var (ta, tb, name) in Cases)
            {
                float[] a = Random(m * k, 3), b = Random(k * n, 4), c = Random(m * n, 5);
                double[] expected = Reference(ta, tb, m, n, k, 0.5f, a, b, 0.25f, c);
                int lda = ta ? m : k, ldb = tb ? k : n;
                fixed (float* pa = a, pb = b, pc = c)
                    Gemm.Run(path, ta, tb, m, n, k, 0.5f, pa, lda, pb, ldb, 0.25f, pc, n, threads);
                for (int i = 0; i < c.Length; i++)
                {
                    if (Math.Abs(c[i] - expected[i]) > 1e-4 * (1 + Math.Abs(expected[i])) * Math.Sqrt(k))
                    {
                        Console.Error.WriteLine($"VALIDATION FAILED: {path} {name} {m}x{k}x{n} at C[{i / n},{i % n}]: got {c[i]}, expected {expected[i]}");
                        return false;
                    }
                }
            }
        }
        Console.WriteLine("validation: all supported paths match the reference");
        return true;
    }

    private static double[] Reference(bool ta, bool tb, int m, int n, int k, float alpha, float[] a, float[] b, float beta, float[] c)
    {
        var result = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                    sum += (double)(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                result[i * n + j] = alpha * sum + beta * (double)c[i * n + j];
            }
        return result;
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
