// The `device` benchmark: SGEMM GFLOP/s and training-step throughput (forward, loss, backward, Adam update, all on
// the device) on a --device backend (a GPU through ILGPU), after checking the device's GEMM against the CPU
// backend. Prints tab-separated rows deploy/gpu/bench.sh reads.
using System.Diagnostics;
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using Dtrain.Models.Optimizers;
using Dtrain.Models.Tensors;

namespace Dtrain.Bench;

/// <summary>Entry point of <c>dtrain-bench device</c>.</summary>
internal static class DeviceBench
{
    /// <summary>Parses options, validates, times; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        var (device, seconds) = ("auto", 2.0);
        int[] sizes = [1024, 4096, 8192];
        int[] batches = [128, 512];
        string[] models = [];
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i++])
            {
                case "--device": device = value; break;
                case "--seconds": seconds = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "--sizes": sizes = [.. value.Split(',').Select(int.Parse)]; break;
                case "--batches": batches = [.. value.Split(',').Select(int.Parse)]; break;
                case "--models": models = value.Split(','); break;
                default: throw new ArgumentException($"unknown device option {args[i - 1]}.");
            }
        }

        var selection = DeviceSelection.Parse(device, Environment.ProcessorCount);
        using var backend = selection.Create();
        Console.WriteLine($"# device\t{backend.Name}");
        if (!GemmAgrees(backend))
        {
            return 1;
        }

        foreach (var n in sizes)
        {
            Console.WriteLine($"gemm\t{n}\t{GemmGflops(backend, n, seconds):F1}");
        }

        foreach (var file in models)
        {
            var model = ModelCompiler.Load(file);
            foreach (var batch in batches)
            {
                Console.WriteLine($"train\t{model.Spec.Name}\t{batch}\t{TrainExamplesPerSecond(model, backend, batch, seconds):F0}");
            }
        }

        return 0;
    }

    /// <summary>A 100 x 70 x 90 product on the device against the CPU backend, all four transpose cases.</summary>
    private static bool GemmAgrees(IBackend backend)
    {
        var (m, n, k) = (100, 90, 70);
        var rng = new Random(1);
        var (a, b) = (Enumerable.Range(0, m * k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(), Enumerable.Range(0, k * n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray());
        using var cpu = new CpuBackend(1);
        foreach (var (ta, tb) in new[] { (false, false), (false, true), (true, false), (true, true) })
        {
            var expected = Product(cpu, ta, tb, m, n, k, a, b);
            var actual = Product(backend, ta, tb, m, n, k, a, b);
            var worst = expected.Zip(actual, (e, g) => Math.Abs(e - g) / Math.Max(1f, Math.Abs(e))).Max();
            if (worst > 1e-4f)
            {
                Console.Error.WriteLine($"dtrain-bench: the device GEMM ({ta}, {tb}) is off the CPU backend by {worst:E2}; not timing it");
                return false;
            }
        }

        return true;
    }

    private static float[] Product(IBackend backend, bool ta, bool tb, int m, int n, int k, float[] a, float[] b)
    {
        var (ta1, tb1, tc) = (Put(backend, a), Put(backend, b), Put(backend, new float[m * n]));
        backend.Gemm(ta, tb, m, n, k, 1f, ta1, tb1, 0f, tc);
        var c = new float[m * n];
        backend.Download(tc, c);
        return c;
    }

    /// <summary>Square n x n x n products, timed until <paramref name="seconds"/> pass; the download at the end waits for the device.</summary>
    private static double GemmGflops(IBackend backend, int n, double seconds)
    {
        var (a, b, c) = (Put(backend, new float[n * n]), Put(backend, new float[n * n]), Put(backend, new float[n * n]));
        backend.Fill(a, 0.5f);
        backend.Fill(b, 0.25f);
        var probe = new float[1];
        using var loss = backend.AllocateHost(1);
        backend.Gemm(false, false, n, n, n, 1f, a, b, 0f, c); // compiles and warms up
        backend.Download(c.Slice(0, 1), probe);
        var (runs, clock) = (0, Stopwatch.StartNew());
        while (clock.Elapsed.TotalSeconds < seconds || runs < 3)
        {
            backend.Gemm(false, false, n, n, n, 1f, a, b, 0f, c);
            if (++runs % 4 == 0)
            {
                backend.Download(c.Slice(0, 1), probe);
            }
        }

        backend.Download(c.Slice(0, 1), probe);
        return 2.0 * n * n * n * runs / clock.Elapsed.TotalSeconds / 1e9;
    }

    /// <summary>
    /// Full local training steps kept on the device: forward, backward, an Adam update (lr 1e-3) of the whole flat
    /// parameter vector, and the loss read on the host at the step's end (queued behind forward into page-locked
    /// memory, as a worker reads it with its first push), on random batches uploaded each step.
    /// </summary>
    private static double TrainExamplesPerSecond(CompiledModel model, IBackend backend, int batch, double seconds)
    {
        using var executor = new GraphExecutor(model, backend, batch, training: true);
        backend.Upload(model.InitialParameters(seed: 1), executor.Parameters);
        var adam = Optimizers.Create(new OptimizerSettings("adam", LearningRate: 1e-3f));
        using var firstMoment = backend.Allocate(model.ParameterCount); // zero-filled, as Adam's state starts
        using var secondMoment = backend.Allocate(model.ParameterCount);
        var (m, v) = (new Tensor(firstMoment, 0, model.ParameterCount), new Tensor(secondMoment, 0, model.ParameterCount));
        var rng = new Random(2);
        var features = Enumerable.Range(0, batch * model.FeatureSize).Select(_ => (float)rng.NextDouble()).ToArray();
        var labels = Enumerable.Range(0, batch).Select(_ => (float)rng.Next(10)).ToArray();
        var probe = new float[1];
        using var loss = backend.AllocateHost(1);
        var (steps, update, clock) = (-1, 0L, new Stopwatch());
        while (clock.Elapsed.TotalSeconds < seconds || steps < 3)
        {
            if (steps++ == 0)
            {
                // The first step compiles the kernels; wait for its update to finish before timing.
                backend.Download(executor.Parameters.Slice(0, 1), probe);
                clock.Start();
            }

            executor.SetBatch(features, labels, batch);
            executor.Forward();
            backend.DownloadAsync(executor.Loss, loss, 0);
            executor.Backward();
            backend.OptimizerStep(adam, executor.Parameters, executor.Gradients, m, v, ++update, 1f);
            backend.Fence().Wait();
            if (!float.IsFinite(loss.Array[0]))
            {
                throw new InvalidOperationException($"{model.Spec.Name}: the loss became {loss.Array[0]} at step {steps}");
            }
        }

        backend.Download(executor.Parameters.Slice(0, 1), probe);
        clock.Stop();
        return (double)steps * batch / clock.Elapsed.TotalSeconds;
    }

    private static Tensor Put(IBackend backend, float[] values)
    {
        var t = new Tensor(backend.Allocate(values.Length), 0, values.Length);
        backend.Upload(values, t);
        return t;
    }
}
