// dtrain generate: samples of a trained generative model (a GAN's generator, an RBM's Gibbs chain) written as a uint8
// IDX image file and a PNG grid, in this process on the CPU, as the model file's "generate" section says.
using System.Globalization;
using Dtrain.Models;
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using Dtrain.Protocol.Persistence;

namespace Dtrain.Cli;

/// <summary>The <c>generate</c> subcommand.</summary>
public static class GenerateCommand
{
    /// <summary>Largest sample count: 10^6 MNIST-sized images are 784 MB of IDX.</summary>
    public const int MaxCount = 1_000_000;

    /// <summary>The PNG grid shows at most this many samples (the first ones): 10,000 digits are no picture.</summary>
    public const int MaxGridCells = 100;

    private const int Batch = 500;

    /// <summary><c>dtrain generate MODEL.dtmodel --count N --output FILE.idx [--png GRID.png] [--seed S]</c>.</summary>
    public static int Run(CommandLine cl)
    {
        var path = cl.Single("trained model file");
        var count = cl.Int("--count") ?? throw new UsageException("generate needs --count N (the number of samples)");
        var output = cl.String("--output") ?? throw new UsageException("generate needs --output FILE.idx");
        var png = cl.String("--png");
        var seed = cl.Int("--seed") ?? 1;
        cl.RejectUnknown();
        if (count is < 1 or > MaxCount)
        {
            throw new UsageException($"--count expects a sample count in [1, {MaxCount:N0}], got {count}");
        }

        var trained = TrainedModel.Read(path);
        var where = $"{path} ({trained.ModelFile})";
        var model = ModelCompiler.Compile(ModelParser.Parse(trained.ModelJson, where));
        if (trained.Parameters.Length != model.ParameterCount)
        {
            throw new DtrainException($"{path}: holds {trained.Parameters.Length:N0} parameters, but its model needs {model.ParameterCount:N0}");
        }

        var spec = GenerateSpec.Parse(trained.ModelJson, where);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (samples, height, width, how) = spec.Rbm is { } rbm
            ? Gibbs(model, trained.Parameters, spec, rbm, count, seed, where)
            : Forward(model, trained.Parameters, spec, spec.Output!, count, seed, where);
        var pixels = SampleImages.ToBytes(samples, spec.Low, spec.High);
        SampleImages.WriteIdx(output, pixels, count, height, width);
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"dtrain: {count:N0} samples of {height}x{width} from {path} ({how}, seed {seed}) in {watch.Elapsed.TotalSeconds:F1} s: {output}"));
        if (png is not null)
        {
            var cells = Math.Min(count, MaxGridCells);
            SampleImages.WritePngGrid(png, pixels, cells, height, width);
            var (columns, rows) = SampleImages.Grid(cells);
            Console.WriteLine($"grid of the first {cells} ({columns}x{rows}): {png}");
        }

        return 0;
    }

    /// <summary>
    /// GAN mode: the graph run forward in batches, reading node <paramref name="node"/>. The features are seeded standard
    /// normal noise (a generator fed from the features input takes them as z; one fed by a <c>normal</c> node draws its
    /// own from the executor's seed), the labels zeros.
    /// </summary>
    private static (float[] Samples, int Height, int Width, string How) Forward(CompiledModel model, float[] parameters, GenerateSpec spec, string node, int count, int seed, string where)
    {
        var value = model.Values.FirstOrDefault(v => v.Name == node && v.Producer >= 0)
            ?? throw new DtrainException($"{where}: \"generate\": \"output\" '{node}' names no node of the model");
        if (!value.Type.Batched)
        {
            throw new DtrainException($"{where}: \"generate\": node '{node}' is {value.Type}, not one sample per example");
        }

        var size = value.Type.Size;
        var (height, width) = spec.ImageSize(size, value.Type.Dims, where);
        using var backend = new CpuBackend(Environment.ProcessorCount);
        var batch = Math.Min(Batch, count);
        using var executor = new GraphExecutor(model, backend, batch, training: false) { Seed = (ulong)seed };
        backend.Upload(parameters, executor.Parameters);
        var random = new Random(seed);
        var features = new float[batch * model.FeatureSize];
        var labels = new float[batch * model.LabelSize];
        var samples = new float[(long)count * size];
        for (var start = 0; start < count; start += batch)
        {
            var n = Math.Min(batch, count - start);
            for (var i = 0; i < n * model.FeatureSize; i++)
            {
                features[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
            }

            executor.SetBatch(features, labels, n);
            executor.Forward();
            executor.ReadValue(node, samples.AsSpan(start * size, n * size));
        }

        return (samples, height, width, $"generator '{node}'");
    }

    /// <summary>RBM mode: Gibbs chains on the rbm node's W, bv and bh (its inputs 1 to 3, parameter nodes).</summary>
    private static (float[] Samples, int Height, int Width, string How) Gibbs(CompiledModel model, float[] parameters, GenerateSpec spec, string id, int count, int seed, string where)
    {
        var node = model.Nodes.FirstOrDefault(n => n.Spec.Id == id)
            ?? throw new DtrainException($"{where}: \"generate\": \"rbm\" '{id}' names no node of the model");
        if (node.Spec.Op != "rbm" || node.Inputs.Length < 4)
        {
            throw new DtrainException($"{where}: \"generate\": node '{id}' is op {node.Spec.Op}; a Gibbs chain needs an rbm node (inputs v, W, bv, bh)");
        }

        var (w, bv, bh) = (Tensor(model, node, 1, parameters, where), Tensor(model, node, 2, parameters, where), Tensor(model, node, 3, parameters, where));
        var (height, width) = spec.ImageSize(bv.Length, null, where);
        var samples = GibbsChain.Sample(w, bv, bh, count, spec.GibbsSteps, seed);
        return (samples, height, width, $"rbm '{id}', {spec.GibbsSteps:N0} Gibbs steps");
    }

    /// <summary>The values of the rbm node's input <paramref name="input"/>, which must be a parameter node.</summary>
    private static float[] Tensor(CompiledModel model, CompiledNode node, int input, float[] parameters, string where)
    {
        var value = model.Values[node.Inputs[input]];
        if (value.Producer < 0 || model.Nodes[value.Producer] is not { Op.OutputIsParameter: true } owner)
        {
            throw new DtrainException($"{where}: \"generate\": input {input + 1} of rbm node '{node.Spec.Id}' ('{value.Name}') is not a parameter node");
        }

        var p = model.Parameters[owner.Parameters[0]];
        return parameters.AsSpan(p.Offset, p.Size).ToArray();
    }
}
