// dtrain-bench hopfield-capacity: how many patterns a Hopfield network of N = 784 units recalls, for MNIST digits and
// for random ±1 patterns, with the `hopfield` op storing them (Hebb's rule) and HopfieldRecall scoring them.
using System.Globalization;
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;
using Dtrain.Models.Metrics;

namespace Dtrain.Bench;

/// <summary>
/// Sweeps the number of stored patterns k. For each k the first k patterns are stored as training stores them: one
/// SGD step of learning rate 1 from W = 0 on the <c>hopfield</c> op's gradient, W = (1/N) sum_p p p^T with a zero
/// diagonal (what examples/hopfield-mnist.json trains through the cluster in one epoch); then each is recalled from a
/// copy with 10% of its bits flipped. Random patterns lose recall near k = 0.14 N (about 110 for N = 784); MNIST
/// digits, which share most of their background, interfere far sooner.
/// </summary>
public static class HopfieldCapacityBench
{
    /// <summary>The units of the network: one per MNIST pixel.</summary>
    public const int Units = 784;

    /// <summary>One row of the table: k, and per pattern set the fraction of bits right and of patterns recalled exactly.</summary>
    public sealed record Row(int K, double MnistBits, double MnistExact, double RandomBits, double RandomExact);

    /// <summary>Runs the command: <c>[--ks 5,10,...] [--seed S] [--data-dir DIR] [--no-mnist]</c>; prints the table.</summary>
    public static int Run(string[] args)
    {
        int[] ks = [5, 10, 20, 40, 60, 80, 100, 110, 120, 140, 160, 200, 250];
        var (seed, dataDir, mnist) = (42, (string?)null, true);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--ks": ks = Next().Split(',').Select(k => int.Parse(k, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--data-dir": dataDir = Next(); break;
                case "--no-mnist": mnist = false; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        if (ks.Length == 0 || ks.Any(k => k < 1))
        {
            throw new ArgumentException("--ks needs pattern counts of 1 or more");
        }

        var digits = mnist ? MnistPatterns(dataDir, ks.Max()) : null;
        var random = RandomPatterns(ks.Max(), seed);
        Console.WriteLine($"Hopfield capacity, N = {Units} units, 10% of bits flipped, asynchronous recall (seed {seed}); 0.14 N = {0.14 * Units:F0}");
        Console.WriteLine(Header(mnist));
        foreach (var row in Sweep(ks, digits, random, seed))
        {
            Console.WriteLine(Line(row, mnist));
        }

        return 0;
    }

    /// <summary>The table's rows: each k stored and recalled from <paramref name="digits"/> (when given) and <paramref name="random"/>.</summary>
    public static IEnumerable<Row> Sweep(IReadOnlyList<int> ks, float[]? digits, float[] random, int seed)
    {
        foreach (var k in ks)
        {
            var (mb, me) = digits is null ? (double.NaN, double.NaN) : StoreAndRecall(digits.AsSpan(0, k * Units).ToArray(), k, seed);
            var (rb, re) = StoreAndRecall(random.AsSpan(0, k * Units).ToArray(), k, seed);
            yield return new Row(k, mb, me, rb, re);
        }
    }

    /// <summary>Stores <paramref name="k"/> patterns through the <c>hopfield</c> op and recalls them: (bits right, patterns exact).</summary>
    public static (double Bits, double Exact) StoreAndRecall(float[] patterns, int k, int seed)
    {
        var model = ModelCompiler.Compile(ModelParser.Parse(ModelText, "hopfield-capacity.json"));
        using var backend = new CpuBackend(Math.Max(1, Environment.ProcessorCount));
        using var executor = new GraphExecutor(model, backend, k, training: true);
        backend.Upload(model.InitialParameters(seed), executor.Parameters);
        executor.SetBatch(patterns, new float[k], k);
        executor.Forward();
        executor.Backward();

        // One SGD step of learning rate 1 from W = 0: W = -dW, Hebb's rule as the op writes it.
        var w = new float[Units * Units];
        backend.Download(executor.Gradients, w);
        for (var i = 0; i < w.Length; i++)
        {
            w[i] = -w[i];
        }

        var right = HopfieldRecall.BitsRight(w, Units, patterns, seed);
        return (right.Sum(r => (double)r) / ((long)k * Units), right.Count(r => r == Units) / (double)k);
    }

    /// <summary>The first <paramref name="k"/> MNIST training digits, each pixel +1 at 0.5 or above, else -1 (the example's <c>sign</c> node).</summary>
    public static float[] MnistPatterns(string? dataDir, int k)
    {
        var (train, _) = Mnist.Load(Mnist.Ensure(dataDir, Console.Out));
        var features = train.Features.AsSpan(0, k * Units);
        var patterns = new float[k * Units];
        for (var i = 0; i < patterns.Length; i++)
        {
            patterns[i] = features[i] >= 0.5f ? 1 : -1;
        }

        return patterns;
    }

    /// <summary><paramref name="k"/> random patterns, each bit ±1 with probability 1/2.</summary>
    public static float[] RandomPatterns(int k, int seed)
    {
        var rng = new Random(seed);
        var patterns = new float[k * Units];
        for (var i = 0; i < patterns.Length; i++)
        {
            patterns[i] = rng.Next(2) == 0 ? -1 : 1;
        }

        return patterns;
    }

    private static string Header(bool mnist) => mnist
        ? $"{"k",5}  {"k/N",6}  {"mnist bits",10}  {"mnist exact",11}  {"random bits",11}  {"random exact",12}"
        : $"{"k",5}  {"k/N",6}  {"random bits",11}  {"random exact",12}";

    private static string Line(Row r, bool mnist)
    {
        var c = CultureInfo.InvariantCulture;
        var load = ((double)r.K / Units).ToString("F3", c);
        return mnist
            ? string.Create(c, $"{r.K,5}  {load,6}  {r.MnistBits,10:P1}  {r.MnistExact,11:P0}  {r.RandomBits,11:P1}  {r.RandomExact,12:P0}")
            : string.Create(c, $"{r.K,5}  {load,6}  {r.RandomBits,11:P1}  {r.RandomExact,12:P0}");
    }

    // The patterns arrive already bipolar: sign with threshold 0 keeps them, and the op stores them.
    private const string ModelText = """
        {
          "name": "hopfield-capacity",
          "inputs": [
            { "name": "x", "shape": [784], "dtype": "float32" },
            { "name": "label", "shape": [], "dtype": "int32" }
          ],
          "nodes": [
            { "id": "s", "op": "sign", "inputs": ["x"] },
            { "id": "w", "op": "parameter", "attrs": { "shape": [784, 784], "init": "zeros" } },
            { "id": "energy", "op": "hopfield", "inputs": ["s", "w"] }
          ],
          "loss": "energy",
          "output": "s"
        }
        """;
}
