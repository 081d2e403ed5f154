// dtrain eval and dtrain predict: a trained-model file (dtrain export) scored on a test set or run on raw inputs
// encoded with its data schema, in this process on the CPU backend, with no cluster and no database.
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
    /// <c>dtrain eval MODEL.dtmodel [--test PATH [--format F]] [--data-dir DIR]</c>: the test set's metrics for the task; for a classification also
    /// per-class recall and precision and the confusion matrix.
    /// </summary>
    public static int Eval(CommandLine cl)
    {
        var path = cl.Single("trained model file");
        var dataDir = cl.String("--data-dir");
        var testPath = cl.String("--test");
        var format = cl.String("--format");
        cl.RejectUnknown();
        var (trained, model) = LoadTrained(path);
        var schema = trained.Schema;
        var test = EvalSet(path, schema, testPath, format, dataDir);
        using var cacheFile = test as IDisposable;
        if (model.FeatureSize != test.FeatureSize)
        {
            throw new DtrainException($"{path}: the model takes {model.FeatureSize} floats per example, but {test.Name} examples have {test.FeatureSize}");
        }

        var classes = model.Values[model.OutputValue].Type.Size;
        if (test.Task == LearningTask.Classification && (classes != test.Classes || model.LabelSize != 1))
        {
            throw new DtrainException($"{path}: the model scores {classes} classes from {model.LabelSize} label(s) per example, but {test.Name} has {test.Classes} classes and one label per example");
        }

        // The evaluator the coordinator scores with, so eval and the training summary agree to the digit.
        using var evaluator = new Dtrain.Coordinator.Evaluator(model, null, Environment.ProcessorCount, schema, model.Spec.Training.TopK);
        evaluator.Load(trained.Parameters);
        var metrics = MetricAccumulator.For(test.Task, classes, test.TargetSize, schema, model.Spec.Training.TopK, path);
        var result = evaluator.Score(test, metrics);

        Console.WriteLine($"dtrain: {path} ({trained.Parameters.Length:N0} parameters; {Describe(trained)}) on {test.Name}, {test.Count:N0} examples; {result.Task.Name()}");
        EvalReport.Print(result, metrics, schema.ClassNames is { } names && names.Count == classes ? names : null, Console.Out);
        return 0;
    }

    /// <summary>
    /// <c>dtrain predict MODEL.dtmodel INPUT [--first N] [--top K]</c>: INPUT is read with the data schema the model was
    /// trained with (<see cref="PredictInputs.Read"/>): table rows, arrays, images or IDX, or lines of numbers. A
    /// classification prints each example's class name, its probability and the top K; a regression its targets in the
    /// data's own units; a reconstruction the mean squared error of each example's reconstruction.
    /// </summary>
    public static int Predict(CommandLine cl)
    {
        if (cl.Positional.Count != 2)
        {
            throw new UsageException($"predict expects a trained model file and an input file, got {cl.Positional.Count} arguments");
        }

        var (path, input) = (cl.Positional[0], cl.Positional[1]);
        var first = cl.Int("--first") ?? 10;
        var top = cl.Int("--top") ?? 3;
        cl.RejectUnknown();
        if (first < 1 || top < 1)
        {
            throw new UsageException($"--first and --top expect a positive count, got {first} and {top}");
        }

        var (trained, model) = LoadTrained(path);
        var schema = trained.Schema;
        if (schema.FeatureSize != model.FeatureSize)
        {
            throw new DtrainException($"{path}: its model takes {model.FeatureSize} floats per example, but its data schema encodes {schema.FeatureSize} ([{string.Join(", ", schema.FeatureShape)}])");
        }

        var examples = PredictInputs.Read(input, schema, first);
        var outputs = model.Values[model.OutputValue].Type.Size;
        using var backend = new CpuBackend(Environment.ProcessorCount);
        using var executor = Executor(model, backend, trained.Parameters);
        var scores = new float[Batch * outputs];
        var labels = new float[Batch * model.LabelSize];
        var rows = new List<float[]>();
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
                if (FirstNonFinite(scores.AsSpan(i * outputs, outputs)) >= 0)
                {
                    throw new DtrainException($"{input}: example {start + i + 1}: the model's scores are not finite numbers; its values are too large for this model");
                }

                rows.Add(scores.AsSpan(i * outputs, outputs).ToArray());
            }
        }

        Console.WriteLine($"dtrain: {path} ({Describe(trained)}) on {examples.Count} example(s) of {input}");
        var table = schema.Task switch
        {
            LearningTask.Regression => PredictTable.Regression(rows, schema),
            LearningTask.Reconstruction => PredictTable.Reconstruction(rows, examples),
            _ => PredictTable.Classification(rows, schema, top),
        };
        table.Print(Console.Out);
        return 0;
    }

    /// <summary>
    /// The examples eval scores, encoded with the model's schema: <paramref name="testPath"/> (any format dtrain reads,
    /// with its labels), or for a model trained on the built-in MNIST without one, MNIST's test set.
    /// </summary>
    public static ExampleSource EvalSet(string modelPath, DataSchema schema, string? testPath, string? format, string? dataDir)
    {
        if (testPath is null)
        {
            return schema.Format == "mnist"
                ? Mnist.Load(Mnist.Ensure(dataDir, Console.Out)).Test
                : throw new DtrainException($"{modelPath}: the model was trained on {schema.Format} data; give the labelled data to evaluate on with --test PATH");
        }

        // MNIST's schema has flat 784-pixel examples; its IDX files (or Fashion-MNIST's) hold them as 28x28.
        var encoding = schema.Format == "mnist" && DataFormats.For(testPath, format).Name == "idx" ? schema with { FeatureShape = [28, 28] } : schema;
        return DataPreparer.Encode(testPath, format, encoding, Console.Out);
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
}
