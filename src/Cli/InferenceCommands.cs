// dtrain eval and dtrain predict: a trained-model file (dtrain export) scored on MNIST's test set or run on inputs,
// in this process on the CPU backend, with no cluster and no database.
using System.Globalization;
using Dtrain.Models;
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;
using Dtrain.Models.Metrics;
using Dtrain.Protocol.Persistence;

namespace Dtrain.Cli;

/// <summary>The <c>eval</c> and <c>predict</c> subcommands.</summary>
public static class InferenceCommands
{
    private const int Batch = 500;

    /// <summary>
    /// <c>dtrain eval MODEL.dtmodel [--data-dir DIR]</c>: the test set's metrics for the task; for a classification also
    /// per-class recall and precision and the confusion matrix.
    /// </summary>
    public static int Eval(CommandLine cl)
    {
        var path = cl.Single("trained model file");
        var dataDir = cl.String("--data-dir");
        cl.RejectUnknown();
        var (trained, model) = LoadTrained(path);
        var (_, test) = Mnist.Load(Mnist.Ensure(dataDir, Console.Out));
        if (model.FeatureSize != test.FeatureSize)
        {
            throw new DtrainException($"{path}: the model takes {model.FeatureSize} floats per example, but {test.Name} examples have {test.FeatureSize}");
        }

        var classes = model.Values[model.OutputValue].Type.Size;
        if (classes != test.Classes || model.LabelSize != 1)
        {
            throw new DtrainException($"{path}: the model scores {classes} classes from {model.LabelSize} label(s) per example, but {test.Name} has {test.Classes} classes and one label per example");
        }

        // The evaluator the coordinator scores with, so eval and the training summary agree to the digit.
        using var evaluator = new Dtrain.Coordinator.Evaluator(model, null, Environment.ProcessorCount, schema: null, topK: model.Spec.Training.TopK);
        evaluator.Load(trained.Parameters);
        var metrics = MetricAccumulator.For(test.Task, classes, test.TargetSize, null, model.Spec.Training.TopK, path);
        var result = evaluator.Score(test, metrics);

        Console.WriteLine($"dtrain: {path} ({trained.Parameters.Length:N0} parameters; {Describe(trained)}) on {test.Name}, {test.Count:N0} examples; {result.Task.Name()}");
        EvalReport.Print(result, metrics, classNames: null, Console.Out);
        return 0;
    }

    /// <summary>
    /// <c>dtrain predict MODEL.dtmodel INPUT [--first N]</c>: INPUT is an IDX image file (bytes scaled to [0, 1], as in
    /// training) or a text file with one example per line (numbers separated by commas or spaces).
    /// </summary>
    public static int Predict(CommandLine cl)
    {
        if (cl.Positional.Count != 2)
        {
            throw new UsageException($"predict expects a trained model file and an input file, got {cl.Positional.Count} arguments");
        }

        var (path, input) = (cl.Positional[0], cl.Positional[1]);
        var first = cl.Int("--first") ?? 10;
        cl.RejectUnknown();
        if (first < 1)
        {
            throw new UsageException($"--first expects a positive count, got {first}");
        }

        var (trained, model) = LoadTrained(path);
        var examples = ReadInputs(input, model.FeatureSize, first);
        var classes = model.Values[model.OutputValue].Type.Size;
        using var backend = new CpuBackend(Environment.ProcessorCount);
        using var executor = Executor(model, backend, trained.Parameters);
        var table = new Table("example", "predicted", "confidence", "runner-up");
        var scores = new float[Batch * classes];
        var labels = new float[Batch * model.LabelSize];
        var c = CultureInfo.InvariantCulture;
        for (var start = 0; start < examples.Count; start += Batch)
        {
            var n = Math.Min(Batch, examples.Count - start);
            var features = examples.Skip(start).Take(n).SelectMany(e => e).ToArray();
            executor.SetBatch(features, labels, n);
            executor.Forward();
            executor.ReadOutput(scores);
            for (var i = 0; i < n; i++)
            {
                // Finite inputs can still overflow the model (1e30 through a dense layer): a NaN is no prediction.
                if (FirstNonFinite(scores.AsSpan(i * classes, classes)) >= 0)
                {
                    throw new DtrainException($"{input}: example {start + i + 1}: the model's scores are not finite numbers; its values are too large for this model");
                }

                var p = Softmax(scores.AsSpan(i * classes, classes));
                var order = Enumerable.Range(0, classes).OrderByDescending(k => p[k]).ToArray();
                table.Add((start + i).ToString(c), order[0].ToString(c), p[order[0]].ToString("P1", c), classes > 1 ? $"{order[1]} ({p[order[1]].ToString("P1", c)})" : "-");
            }
        }

        Console.WriteLine($"dtrain: {path} ({Describe(trained)}) on {examples.Count} example(s) of {input}");
        table.Print(Console.Out);
        return 0;
    }

    /// <summary>Reads a trained-model file and compiles its model, checking that its parameters fit it; one clear error when not.</summary>
    public static (TrainedModel Trained, CompiledModel Model) LoadTrained(string path)
    {
        var trained = TrainedModel.Read(path);
        var model = ModelCompiler.Compile(ModelParser.Parse(trained.ModelJson, $"{path} ({trained.ModelFile})"));
        if (trained.Parameters.Length != model.ParameterCount)
        {
            throw new DtrainException($"{path}: holds {trained.Parameters.Length:N0} parameters, but its model needs {model.ParameterCount:N0}");
        }

        if (FirstNonFinite(trained.Parameters) is var bad and >= 0)
        {
            var tensor = model.Parameters.Last(p => p.Offset <= bad);
            throw new DtrainException($"{path}: parameter '{tensor.Name}' holds {trained.Parameters[bad]} at position {bad - tensor.Offset}; a trained model's parameters are finite numbers");
        }

        var output = model.Values[model.OutputValue].Type;
        if (!output.Batched || output.Size < 1)
        {
            throw new DtrainException($"{path}: its output '{model.Values[model.OutputValue].Name}' is {output}, not one score per class for each example");
        }

        return (trained, model);
    }

    private static GraphExecutor Executor(CompiledModel model, CpuBackend backend, float[] parameters)
    {
        var executor = new GraphExecutor(model, backend, Batch, training: false);
        backend.Upload(parameters, executor.Parameters);
        return executor;
    }

    private static string Describe(TrainedModel t) =>
        t.Origin.TryGetValue("job", out var job) ? $"job {job}, checkpoint {t.Origin.GetValueOrDefault("checkpoint")}, {t.Origin.GetValueOrDefault("epochs_trained")} epoch(s)" : t.ModelFile;

    private static List<float[]> ReadInputs(string input, int featureSize, int first)
    {
        if (!File.Exists(input))
        {
            throw new DtrainException($"{input}: no such input file");
        }

        var examples = new List<float[]>();
        if (IsIdx(input))
        {
            var images = IdxReader.Read(input);
            if (images.Dimensions[0] == 0)
            {
                throw new DtrainException($"{input}: no examples in it");
            }

            var size = images.Dimensions.Skip(1).Aggregate(1L, (a, b) => a * b);
            if (size != featureSize)
            {
                throw new DtrainException($"{input}: its examples hold {size} values, but the model takes {featureSize}");
            }

            for (var e = 0; e < Math.Min(first, images.Dimensions[0]); e++)
            {
                examples.Add(images.Data.AsSpan(e * featureSize, featureSize).ToArray().Select(b => b / 255f).ToArray());
            }

            return examples;
        }

        var line = 0;
        foreach (var text in File.ReadLines(input))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text) || examples.Count >= first)
            {
                continue;
            }

            var parts = text.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != featureSize)
            {
                throw new DtrainException($"{input}:{line}: {parts.Length} values, but the model takes {featureSize} per example");
            }

            // NaN, infinities and values past float's range (1e40 parses as infinity) are no input a model can score.
            examples.Add(parts.Select((p, i) => float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && float.IsFinite(v)
                ? v
                : throw new DtrainException($"{input}:{line}: value {i + 1} '{Shorten(p)}' is not a finite number")).ToArray());
        }

        return examples.Count > 0 ? examples : throw new DtrainException($"{input}: no examples in it");
    }

    /// <summary>IDX files start with two zero bytes, a type code and the number of dimensions.</summary>
    private static bool IsIdx(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[4];
        return stream.Read(head) == 4 && head[0] == 0 && head[1] == 0 && head[2] == 0x08 && head[3] is >= 1 and <= 4;
    }

    private static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : $"{text[..40]}...";

    private static int ArgMax(ReadOnlySpan<float> scores)
    {
        var best = 0;
        for (var k = 1; k < scores.Length; k++)
        {
            best = scores[k] > scores[best] ? k : best;
        }

        return best;
    }

    private static float[] Softmax(ReadOnlySpan<float> scores)
    {
        var max = scores[ArgMax(scores)];
        var p = new float[scores.Length];
        var sum = 0f;
        for (var k = 0; k < p.Length; k++)
        {
            p[k] = MathF.Exp(scores[k] - max);
            sum += p[k];
        }

        for (var k = 0; k < p.Length; k++)
        {
            p[k] /= sum;
        }

        return p;
    }
}
