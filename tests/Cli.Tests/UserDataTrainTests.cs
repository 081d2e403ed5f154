// dtrain train on the user's own files, end to end in one process: classification, regression and reconstruction
// with "auto" shapes, the validation split, the encoded cache reused by a second run, the journaled data flags, and the
// one-line errors of a model that does not fit its data.
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dtrain.Cli.Tests;

public sealed class UserDataTrainTests : IDisposable
{
    private const string IrisCsv = "/usr/lib/python3/dist-packages/sklearn/datasets/data/iris.csv";

    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-userdata-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The child's cache goes into the test folder, so runs never share (or leave) encoded files.</summary>
    private Dictionary<string, string> Environment => new() { ["DTRAIN_CACHE"] = Path.Combine(_dir, "cache") };

    private ProcessResult Train(params string[] args) => DtrainProcess.Run(TimeSpan.FromMinutes(3), Environment, ["train", .. args, "--no-checkpoint"]);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A two-layer MLP whose widths all come from the data; <paramref name="loss"/> picks the task.</summary>
    private string Model(string loss, string labelDtype, int epochs, string extra = "") => Write($"{loss}.json", $$"""
        {
          "name": "auto-{{loss}}",
          "inputs": [
            { "name": "x", "shape": "auto", "dtype": "float32" },
            { "name": "y", "shape": "auto", "dtype": "{{labelDtype}}", "source": "labels" }
          ],
          "nodes": [
            { "id": "hidden", "op": "dense", "inputs": ["x"], "attrs": { "units": 32, "activation": "tanh" } },
            { "id": "out", "op": "dense", "inputs": ["hidden"], "attrs": { "units": "auto" } },
            { "id": "loss", "op": "{{loss}}", "inputs": ["out", "y"] }
          ],
          "loss": "loss",
          "output": "out",
          "training": { "optimizer": "adam", "lr": 0.01, "batch": 16, "epochs": {{epochs}}, "partition_size": 64, "seed": 3{{extra}} }
        }
        """);

    /// <summary>Writes a C-order NPY file of float32 (<c>&lt;f4</c>) or int64 (<c>&lt;i8</c>) values.</summary>
    private string Npy(string name, int[] shape, double[] values, bool integer = false)
    {
        var dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        var header = $"{{'descr': '{(integer ? "<i8" : "<f4")}', 'fortran_order': False, 'shape': ({dims}), }}";
        header = header.PadRight(((10 + header.Length + 1 + 63) / 64 * 64) - 10 - 1) + "\n";
        var path = Path.Combine(_dir, name);
        using var w = new BinaryWriter(File.Create(path));
        w.Write([0x93, .. "NUMPY"u8, 1, 0]);
        w.Write((ushort)header.Length);
        w.Write(Encoding.ASCII.GetBytes(header));
        foreach (var v in values)
        {
            if (integer)
            {
                w.Write((long)v);
            }
            else
            {
                w.Write((float)v);
            }
        }

        return path;
    }

    /// <summary>Iris (scikit-learn's copy), shuffled by a fixed seed: 120 training and 30 test rows as NPY pairs.</summary>
    private (string Train, string Test) Iris()
    {
        var rows = File.ReadLines(IrisCsv).Skip(1).Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        new Random(5).Shuffle(rows);
        string Split(string suffix, double[][] part)
        {
            Npy($"y_{suffix}.npy", [part.Length], part.Select(r => r[4]).ToArray(), integer: true);
            return Npy($"x_{suffix}.npy", [part.Length, 4], part.SelectMany(r => r[..4]).ToArray());
        }

        return (Split("train", rows[..120]), Split("test", rows[120..]));
    }

    /// <summary>y = 2 x0 - x1 + 0.5 x2 + 1 on 5 uniform features: 400 training and 100 test rows.</summary>
    private (string Train, string Test) Linear()
    {
        var rng = new Random(9);
        string Split(string suffix, int n)
        {
            var x = Enumerable.Range(0, n * 5).Select(_ => (rng.NextDouble() * 2) - 1).ToArray();
            Npy($"y_{suffix}.npy", [n], Enumerable.Range(0, n).Select(i => (2 * x[i * 5]) - x[(i * 5) + 1] + (0.5 * x[(i * 5) + 2]) + 1).ToArray());
            return Npy($"x_{suffix}.npy", [n, 5], x);
        }

        return (Split("train", 400), Split("test", 100));
    }

    private static JsonElement Summary(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

    private static void AssertSucceeded(ProcessResult result) =>
        Assert.True(result.ExitCode == 0, $"dtrain failed:\n{result.Stdout}\n{result.Stderr}");

    [Fact]
    public void Classification_with_auto_shapes_trains_end_to_end()
    {
        // Arrange
        var (train, test) = Iris();
        var summary = Path.Combine(_dir, "summary.json");

        // Act
        var result = Train(Model("softmax_cross_entropy", "int32", epochs: 40), "--train", train, "--test", test, "--summary", summary);

        // Assert
        AssertSucceeded(result);
        Assert.Contains("data: x_train.npy: classification, 120 training examples of [4], 3 classes, 30 test", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("classification", Summary(summary).GetProperty("task").GetString());
        Assert.True(Summary(summary).GetProperty("test_accuracy").GetDouble() >= 0.85, result.Stdout);
    }

    /// <summary>Iris as a CSV with a header and text class names, shuffled by a fixed seed: 120 training and 30 test rows.</summary>
    private (string Train, string Test) IrisCsvFiles()
    {
        string[] names = ["setosa", "versicolor", "virginica"];
        var rows = File.ReadLines(IrisCsv).Skip(1).Select(l => l.Split(',')).ToArray();
        new Random(5).Shuffle(rows);
        string Split(string name, string[][] part) => Write(name, "sepal_length,sepal_width,petal_length,petal_width,species\n"
            + string.Concat(part.Select(r => $"{string.Join(',', r[..4])},{names[int.Parse(r[4], CultureInfo.InvariantCulture)]}\n")));
        return (Split("iris-train.csv", rows[..120]), Split("iris-test.csv", rows[120..]));
    }

    [Fact]
    public void Csv_classification_with_text_labels_trains_end_to_end()
    {
        // Arrange
        var (train, test) = IrisCsvFiles();
        var summary = Path.Combine(_dir, "summary.json");

        // Act
        var result = Train(Model("softmax_cross_entropy", "int32", epochs: 30), "--train", train, "--test", test, "--label", "species", "--validation-split", "0.1", "--summary", summary);

        // Assert
        AssertSucceeded(result);
        Assert.Contains("data: iris-train.csv: classification", result.Stdout, StringComparison.Ordinal);
        Assert.True(Summary(summary).GetProperty("test_accuracy").GetDouble() >= 0.85, result.Stdout);
    }

    [Fact]
    public void Csv_regression_reaches_a_sane_fit()
    {
        // Arrange: y = 2 a - b + 0.5 c + 1 with a header, 400 training and 100 test rows.
        var rng = new Random(11);
        string Table(string name, int n) => Write(name, "a,b,c,y\n" + string.Concat(Enumerable.Range(0, n).Select(_ =>
        {
            var (a, b, c) = ((rng.NextDouble() * 2) - 1, (rng.NextDouble() * 2) - 1, (rng.NextDouble() * 2) - 1);
            return string.Create(CultureInfo.InvariantCulture, $"{a:F5},{b:F5},{c:F5},{(2 * a) - b + (0.5 * c) + 1:F5}\n");
        })));
        var (train, test) = (Table("lin-train.csv", 400), Table("lin-test.csv", 100));
        var summary = Path.Combine(_dir, "summary.json");

        // Act
        var result = Train(Model("mse", "float32", epochs: 30), "--train", train, "--test", test, "--label", "y", "--task", "regression", "--summary", summary);

        // Assert
        AssertSucceeded(result);
        Assert.Contains("data: lin-train.csv: regression, 400 training examples of [3], 1 target(s), 100 test", result.Stdout, StringComparison.Ordinal);
        Assert.True(Summary(summary).GetProperty("test_r2").GetDouble() > 0.9, result.Stdout);
    }

    [Fact]
    public void Regression_with_auto_shapes_reaches_a_sane_fit()
    {
        // Arrange
        var (train, test) = Linear();
        var summary = Path.Combine(_dir, "summary.json");

        // Act
        var result = Train(Model("mse", "float32", epochs: 30), "--train", train, "--test", test, "--summary", summary);

        // Assert: the targets' standard deviation is about 1.3; a fit explains most of it.
        AssertSucceeded(result);
        Assert.Contains("regression, 400 training examples of [5], 1 target(s), 100 test", result.Stdout, StringComparison.Ordinal);
        Assert.True(Summary(summary).GetProperty("test_r2").GetDouble() > 0.9, result.Stdout);
        Assert.True(Summary(summary).GetProperty("test_rmse").GetDouble() < 0.4, result.Stdout);
    }

    [Fact]
    public void Reconstruction_trains_on_the_features_as_targets()
    {
        // Arrange: features without labels beside them.
        var (train, _) = Linear();
        var features = Path.Combine(_dir, "features.npy");
        File.Copy(train, features);
        var summary = Path.Combine(_dir, "summary.json");

        // Act
        var result = Train(Model("mse", "float32", epochs: 15), "--train", features, "--task", "reconstruction", "--validation-split", "0.2", "--summary", summary);

        // Assert: the loss falls well below the features' variance (1/3).
        AssertSucceeded(result);
        Assert.Contains("data: features.npy: reconstruction", result.Stdout, StringComparison.Ordinal);
        var history = Summary(summary).GetProperty("history");
        var first = history[0].GetProperty("train_loss").GetDouble();
        var last = history[history.GetArrayLength() - 1].GetProperty("train_loss").GetDouble();
        Assert.True(last < first / 2 && last < 0.1, result.Stdout);
        Assert.True(Summary(summary).GetProperty("val_mse").GetDouble() < 0.1, result.Stdout);
    }

    [Fact]
    public void Validation_split_is_scored_and_a_second_run_reuses_the_cache()
    {
        // Arrange
        var (train, test) = Iris();
        var model = Model("softmax_cross_entropy", "int32", epochs: 2);
        var summary = Path.Combine(_dir, "summary.json");
        AssertSucceeded(Train(model, "--train", train, "--test", test, "--validation-split", "0.2"));

        // Act
        var again = Train(model, "--train", train, "--test", test, "--validation-split", "0.2", "--summary", summary);

        // Assert
        AssertSucceeded(again);
        Assert.Contains("data: x_train.npy: reusing the encoded cache in", again.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("data: encoding", again.Stdout, StringComparison.Ordinal);
        Assert.True(Summary(summary).TryGetProperty("val_accuracy", out _), again.Stdout);
    }

    [Fact]
    public void Fixed_input_of_another_width_is_one_line_naming_both()
    {
        // Arrange
        var (train, _) = Iris();
        var model = Write("fixed.json", File.ReadAllText(Model("softmax_cross_entropy", "int32", epochs: 1)).Replace("\"shape\": \"auto\", \"dtype\": \"float32\"", "\"shape\": [5], \"dtype\": \"float32\"", StringComparison.Ordinal));

        // Act
        var result = Train(model, "--train", train);

        // Assert
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"dtrain: error: {model}: input 'x' holds 5 floats per example, but x_train.npy encodes 4 ([4]); write \"shape\": \"auto\" to take the data's width", result.Stderr.Trim());
    }

    [Fact]
    public void Fixed_output_of_another_class_count_is_one_line_naming_both()
    {
        // Arrange
        var (train, _) = Iris();
        var model = Write("fixed.json", File.ReadAllText(Model("softmax_cross_entropy", "int32", epochs: 1)).Replace("\"units\": \"auto\"", "\"units\": 10", StringComparison.Ordinal));

        // Act
        var result = Train(model, "--train", train);

        // Assert
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"dtrain: error: {model}: output 'out' scores 10 classes, but x_train.npy has 3; write \"units\": \"auto\" to take the data's class count", result.Stderr.Trim());
    }

    [Fact]
    public void Job_file_data_section_becomes_data_flags_from_its_folder()
    {
        // Arrange
        var job = Path.Combine(_dir, "jobs", "iris.json");
        const string text = """{"model": "../m.json", "flags": {"epochs": 2}, "data": {"train": "data/a.csv", "label": "species", "validation_split": 0.25}}""";

        // Act
        var (model, flags) = Cluster.JobFile.Parse(text, job);

        // Assert
        Assert.Equal(Path.Combine(_dir, "jobs", "../m.json"), model);
        Assert.Equal(["--epochs", "2", "--train", Path.Combine(_dir, "jobs", "data", "a.csv"), "--label", "species", "--validation-split", "0.25"], flags);
    }

    [Fact]
    public void Job_file_unknown_data_field_is_one_line()
    {
        // Act
        var error = Assert.Throws<Models.DtrainException>(() => Cluster.JobFile.Parse("""{"model": "m.json", "data": {"trian": "a.csv"}}""", "job.json"));

        // Assert
        Assert.Equal("job.json: unknown field data.trian; known: train, test, validation, validation_split, label, task, format", error.Message);
    }

    [Fact]
    public void Train_takes_a_job_file_with_its_data()
    {
        // Arrange
        var (train, test) = IrisCsvFiles();
        var model = Model("softmax_cross_entropy", "int32", epochs: 2);
        var job = Write("job.json", $$$"""{"model": "{{{Path.GetFileName(model)}}}", "flags": {"batch": 8}, "data": {"train": "{{{Path.GetFileName(train)}}}", "test": "{{{Path.GetFileName(test)}}}", "label": "species"}}""");

        // Act
        var result = Train(job);

        // Assert
        AssertSucceeded(result);
        Assert.Contains("data: iris-train.csv: classification, 120 training examples of [4], 3 classes, 30 test", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("batch 8", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Worker_refuses_image_augmentation_of_a_table_in_one_line()
    {
        // Arrange: the worker reads training.data.augment from the job's model and applies it after each gather.
        var (train, _) = IrisCsvFiles();
        var model = Model("softmax_cross_entropy", "int32", epochs: 1, extra: ", \"data\": { \"augment\": { \"flip\": true } }");

        // Act
        var result = Train(model, "--train", train, "--label", "species");

        // Assert
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{model}: training.data.augment needs images ([channels, height, width] or [height, width]), but data set 'iris-train.csv' has examples of [4]", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_flags_are_journaled_with_absolute_paths()
    {
        // Act
        var kept = TrainCommand.SettingArgs(["m.json", "--train", "data/a.csv", "--label=y", "--test=t.csv", "--epochs", "2", "--summary", "s.json"]);

        // Assert
        Assert.Equal(["--train", Path.GetFullPath("data/a.csv"), "--label=y", $"--test={Path.GetFullPath("t.csv")}", "--epochs", "2"], kept);
    }

    [Fact]
    public void Data_flags_override_the_model_files_data_section_field_by_field()
    {
        // Arrange: a data section with relative paths, taken from the model file's folder.
        var file = Path.Combine(_dir, "sub", "m.json");
        var spec = new Models.Data.DataSpec { Train = "a.csv", Test = "b.csv", ValidationSplit = 0.1, Label = "y" };

        // Act
        var settings = TrainCommand.ApplyOverrides(new Models.Graph.TrainingSettings { Data = spec }, CommandLine.Parse(["--validation", "v.csv", "--task", "regression"]), file);

        // Assert
        var data = settings.Data;
        Assert.Equal((Path.Combine(_dir, "sub", "a.csv"), Path.Combine(_dir, "sub", "b.csv"), Path.GetFullPath("v.csv"), 0.0, "y", Models.Data.LearningTask.Regression), (data.Train, data.Test, data.Validation, data.ValidationSplit, data.Label, data.Task));
    }
}
