// The data schema travels from training to prediction: a CSV job's schema is journaled with its checkpoints and
// written into the exported model, and predict applies it to raw rows and images, printing class names.
using System.Globalization;
using System.Text;
using Dtrain.Cli;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;
using Dtrain.Protocol.Persistence;

namespace Dtrain.Cli.Tests;

/// <summary>One small CSV job trained, checkpointed and exported once for the tests that use its model.</summary>
public sealed class ShapesJob : IDisposable
{
    /// <summary>An MLP whose input width and class count come from the data.</summary>
    public const string AutoModel = """
        {
          "name": "shapes-mlp",
          "inputs": [
            { "name": "x", "shape": "auto", "dtype": "float32" },
            { "name": "label", "shape": [], "dtype": "int32" }
          ],
          "nodes": [
            { "id": "fc1", "op": "dense", "inputs": ["x"], "attrs": { "units": 16, "activation": "relu" } },
            { "id": "logits", "op": "dense", "inputs": ["fc1"], "attrs": { "units": "auto" } },
            { "id": "loss", "op": "softmax_cross_entropy", "inputs": ["logits", "label"] }
          ],
          "loss": "loss",
          "output": "logits",
          "training": { "optimizer": "adam", "lr": 0.01, "batch": 32, "epochs": 3, "workers": 1, "ps_shards": 1, "seed": 7, "partition_size": 100 }
        }
        """;

    public ShapesJob()
    {
        Dir = Directory.CreateTempSubdirectory("dtrain-predict-").FullName;
        Environment = new Dictionary<string, string> { ["DTRAIN_CACHE"] = Path.Combine(Dir, "cache") };
        ModelFile = Path.Combine(Dir, "shapes-mlp.json");
        Train = Path.Combine(Dir, "shapes-train.csv");
        File.WriteAllText(ModelFile, AutoModel);
        WriteShapes(Train, 300, seed: 1);
        var runs = Path.Combine(Dir, "runs");
        Training = DtrainProcess.Run(TimeSpan.FromMinutes(4), Environment, "train", ModelFile, "--train", Train, "--label", "shape", "--checkpoint-dir", runs);
        JobFolder = Directory.GetDirectories(runs).Single();
        Exported = Path.Combine(Dir, "shapes.dtmodel");
        Export = DtrainProcess.Run(TimeSpan.FromMinutes(2), Environment, "export", JobFolder, "--output", Exported);
    }

    public string Dir { get; }

    public IReadOnlyDictionary<string, string> Environment { get; }

    public string ModelFile { get; }

    public string Train { get; }

    public string JobFolder { get; }

    public string Exported { get; }

    public ProcessResult Training { get; }

    public ProcessResult Export { get; }

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    /// <summary>Three blobs in three numeric columns, a colour column of noise (one-hot), and a text label.</summary>
    public static void WriteShapes(string path, int rows, int seed)
    {
        var random = new Random(seed);
        string[] names = ["circle", "square", "triangle"];
        double[][] centres = [[0, 0, 0], [3, 3, 0], [0, 3, 3]];
        var text = new StringBuilder("width,height,depth,colour,shape\n");
        for (var i = 0; i < rows; i++)
        {
            var c = random.Next(3);
            var gaussian = centres[c].Select(m => m + (Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())));
            text.Append(CultureInfo.InvariantCulture, $"{string.Join(',', gaussian.Select(v => v.ToString("F3", CultureInfo.InvariantCulture)))},{(random.Next(2) == 0 ? "red" : "blue")},{names[c]}\n");
        }

        File.WriteAllText(path, text.ToString());
    }
}

public sealed class PredictOnUserDataTests(ShapesJob job) : IClassFixture<ShapesJob>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_csv_jobs_schema_is_journaled_with_its_checkpoints_and_written_into_the_exported_model()
    {
        // Arrange
        Assert.True(job.Training.ExitCode == 0, job.Training.Stdout + job.Training.Stderr);
        Assert.True(job.Export.ExitCode == 0, job.Export.Stdout + job.Export.Stderr);
        var jobId = Path.GetFileName(job.JobFolder);

        // Act
        var journal = await LocalJob.ReadJournalAsync(Storage.Sqlite(Path.Combine(job.JobFolder, "dtrain.db")), jobId);
        var exported = TrainedModel.Read(job.Exported);

        // Assert: the same schema in the checkpoint's journal and in the exported file, with the class names.
        var journaled = journal!.Submitted!.Schema("journal");
        Assert.NotNull(exported.StoredSchema);
        Assert.Equal(journaled.ToJson(), exported.Schema.ToJson());
        Assert.Equal("csv", exported.Schema.Format);
        Assert.Equal(["circle", "square", "triangle"], exported.Schema.ClassNames);
        Assert.Equal([5], exported.Schema.FeatureShape);
    }

    [Fact]
    public void Predict_on_csv_rows_without_the_label_column_prints_each_rows_class_name()
    {
        // Arrange: two rows by header name, columns in another order than training's, no label.
        var rows = Path.Combine(job.Dir, "rows.csv");
        File.WriteAllText(rows, "colour,depth,height,width\nred,3.1,2.9,0.2\nblue,0.1,3.2,2.8\n");

        // Act
        var predict = DtrainProcess.Run(Limit, job.Environment, "predict", job.Exported, rows);

        // Assert
        Assert.True(predict.ExitCode == 0, predict.Stdout + predict.Stderr);
        Assert.Matches(@"\n0\s+triangle\s+\d+\.\d %\s+triangle \(", predict.Stdout);
        Assert.Matches(@"\n1\s+square\s", predict.Stdout);
    }

    [Fact]
    public void Predict_on_a_csv_row_with_text_in_a_numeric_column_fails_in_one_line_naming_the_file_and_row()
    {
        var rows = Path.Combine(job.Dir, "bad-rows.csv");
        File.WriteAllText(rows, "width,height,depth,colour\n0.1,0.2,0.3,red\nwide,0.2,0.3,red\n");

        var predict = DtrainProcess.Run(Limit, job.Environment, "predict", job.Exported, rows);

        Assert.Equal(1, predict.ExitCode);
        var line = Assert.Single(predict.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"dtrain: error: {rows}: line 3", line);
        Assert.Contains("'wide' is not a number", line);
    }

    [Fact]
    public void Predict_on_a_csv_without_a_feature_column_fails_in_one_line_naming_the_file_and_the_column()
    {
        var rows = Path.Combine(job.Dir, "narrow.csv");
        File.WriteAllText(rows, "width,height,colour\n0.1,0.2,red\n");

        var predict = DtrainProcess.Run(Limit, job.Environment, "predict", job.Exported, rows);

        Assert.Equal(1, predict.ExitCode);
        var line = Assert.Single(predict.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"dtrain: error: {rows}: no column 'depth', which the training data has", line);
    }

    [Fact]
    public void Eval_of_an_exported_csv_model_encodes_a_labelled_csv_with_the_models_schema_and_names_its_classes()
    {
        var test = Path.Combine(job.Dir, "shapes-eval.csv");
        ShapesJob.WriteShapes(test, 90, seed: 5);

        var eval = DtrainProcess.Run(Limit, job.Environment, "eval", job.Exported, "--test", test);

        Assert.True(eval.ExitCode == 0, eval.Stdout + eval.Stderr);
        Assert.Contains("on shapes-eval.csv, 90 examples; classification", eval.Stdout);
        Assert.All(new[] { "circle", "square", "triangle" }, name => Assert.Contains(name, eval.Stdout));
    }

    [Fact]
    public void Eval_of_a_csv_model_without_test_data_asks_for_it_in_one_line()
    {
        var eval = DtrainProcess.Run(Limit, job.Environment, "eval", job.Exported);

        Assert.Equal(1, eval.ExitCode);
        Assert.Equal($"dtrain: error: {job.Exported}: the model was trained on csv data; give the labelled data to evaluate on with --test PATH", eval.Stderr.Trim());
    }

    [Fact]
    public void Check_with_train_fits_auto_shapes_to_the_data_and_reports_widths_classes_and_parameters()
    {
        var check = DtrainProcess.Run(Limit, job.Environment, "check", job.ModelFile, "--train", job.Train, "--label", "shape");

        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        Assert.Contains("model 'shapes-mlp' is valid: 3 nodes, 147 parameters", check.Stdout);
        Assert.Contains("model and data fit: 300 training examples of [5] (csv, classification) fill input 'x' (5 floats); 3 classes (circle, square, triangle) scored by output 'logits'; 147 parameters", check.Stdout);
    }

    [Fact]
    public void Check_with_train_refuses_a_model_whose_input_width_does_not_fit_the_data_in_one_line_naming_both()
    {
        var fixedWidth = Path.Combine(job.Dir, "four-inputs.json");
        File.WriteAllText(fixedWidth, ShapesJob.AutoModel.Replace("\"shape\": \"auto\"", "\"shape\": [4]", StringComparison.Ordinal));

        var check = DtrainProcess.Run(Limit, job.Environment, "check", fixedWidth, "--train", job.Train, "--label", "shape");

        Assert.Equal(1, check.ExitCode);
        var line = Assert.Single(check.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"dtrain: error: {fixedWidth}: input 'x' holds 4 floats per example, but shapes-train.csv encodes 5 ([5])", line);
    }
}

public sealed class PredictOnImagesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-predict-png-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Predict_on_png_images_prints_the_class_names_the_model_was_trained_with()
    {
        // Arrange: a model of 4x4 grey images that scores "light" by the mean pixel and "dark" against it.
        var model = BrightnessModel();
        var white = WritePng("white.png", 255);
        var black = WritePng("black.png", 0);

        // Act
        var onWhite = DtrainProcess.Run(TimeSpan.FromMinutes(2), "predict", model, white);
        var onBlack = DtrainProcess.Run(TimeSpan.FromMinutes(2), "predict", model, black);

        // Assert
        Assert.True(onWhite.ExitCode == 0, onWhite.Stdout + onWhite.Stderr);
        Assert.Matches(@"\n0\s+light\s+\d+\.\d %", onWhite.Stdout);
        Assert.True(onBlack.ExitCode == 0, onBlack.Stdout + onBlack.Stderr);
        Assert.Matches(@"\n0\s+dark\s", onBlack.Stdout);
    }

    [Fact]
    public void Predict_on_an_image_of_another_size_fails_in_one_line_naming_the_file_and_both_sizes()
    {
        var model = BrightnessModel();
        var large = Path.Combine(_dir, "large.png");
        File.WriteAllBytes(large, Dtrain.Cli.Telemetry.PngChart.Encode(new byte[8 * 8 * 3], 8, 8));

        var predict = DtrainProcess.Run(TimeSpan.FromMinutes(2), "predict", model, large);

        Assert.Equal(1, predict.ExitCode);
        Assert.Equal($"dtrain: error: {large}: the image is 8x8 but the model was trained on 4x4; set training.data.resize to train on mixed sizes", predict.Stderr.Trim());
    }

    [Fact]
    public void Predict_on_a_line_of_the_wrong_width_fails_in_one_line_naming_the_file_and_line()
    {
        var model = BrightnessModel();
        var lines = Path.Combine(_dir, "pixels.txt");
        File.WriteAllText(lines, "0.5 0.5 0.5\n");

        var predict = DtrainProcess.Run(TimeSpan.FromMinutes(2), "predict", model, lines);

        Assert.Equal(1, predict.ExitCode);
        Assert.Equal($"dtrain: error: {lines}:1: 3 values, but the model takes 16 per example", predict.Stderr.Trim());
    }

    [Fact]
    public void Predict_of_a_regression_prints_targets_in_the_datas_own_units_under_the_target_columns_name()
    {
        // Arrange: training standardised price as (price - 100) * 0.5; the model predicts 2x, so price = 4x + 100.
        const string json = """
            {
              "name": "price",
              "inputs": [{ "name": "x", "shape": [1] }, { "name": "y", "shape": [1], "source": "labels" }],
              "nodes": [
                { "id": "out", "op": "dense", "inputs": ["x"], "attrs": { "units": 1 } },
                { "id": "loss", "op": "mse", "inputs": ["out", "y"] }
              ],
              "loss": "loss",
              "output": "out"
            }
            """;
        var compiled = ModelCompiler.Compile(ModelParser.Parse(json, "price.json"));
        var parameters = new float[compiled.ParameterCount];
        parameters[compiled.Parameters.Single(p => p.Name.EndsWith("weight", StringComparison.Ordinal)).Offset] = 2;
        var schema = new DataSchema
        {
            Format = "csv",
            Task = LearningTask.Regression,
            FeatureShape = [1],
            TargetWidth = 1,
            Header = true,
            TargetShift = [100],
            TargetScale = [0.5f],
            Columns =
            [
                new ColumnEncoding { Name = "size", Index = 0, Role = ColumnRole.Feature, Kind = ColumnKind.Numeric, Offset = 0 },
                new ColumnEncoding { Name = "price", Index = 1, Role = ColumnRole.Label, Kind = ColumnKind.Numeric, Shift = 100, Scale = 0.5f, Offset = 0 },
            ],
        };
        var model = Path.Combine(_dir, "price.dtmodel");
        new TrainedModel("price.json", json, parameters, new Dictionary<string, string>(), schema).Write(model);
        var rows = Path.Combine(_dir, "sizes.csv");
        File.WriteAllText(rows, "size\n1\n2.5\n");

        // Act
        var predict = DtrainProcess.Run(TimeSpan.FromMinutes(2), "predict", model, rows);

        // Assert
        Assert.True(predict.ExitCode == 0, predict.Stdout + predict.Stderr);
        Assert.Matches(@"example\s+price\s*\n", predict.Stdout);
        Assert.Matches(@"\n0\s+104\s*\n", predict.Stdout);
        Assert.Matches(@"\n1\s+110\s*(\n|$)", predict.Stdout);
    }

    private string WritePng(string name, byte grey)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, Dtrain.Cli.Telemetry.PngChart.Encode(Enumerable.Repeat(grey, 4 * 4 * 3).ToArray(), 4, 4));
        return path;
    }

    /// <summary>A dense layer over 16 pixels in [0, 1]: "light" scores sum(x) - 8, "dark" scores 8 - sum(x).</summary>
    private string BrightnessModel()
    {
        const string json = """
            {
              "name": "brightness",
              "inputs": [{ "name": "x", "shape": [16] }, { "name": "label", "shape": [], "dtype": "int32" }],
              "nodes": [
                { "id": "logits", "op": "dense", "inputs": ["x"], "attrs": { "units": 2 } },
                { "id": "loss", "op": "softmax_cross_entropy", "inputs": ["logits", "label"] }
              ],
              "loss": "loss",
              "output": "logits"
            }
            """;
        var compiled = ModelCompiler.Compile(ModelParser.Parse(json, "brightness.json"));
        var parameters = new float[compiled.ParameterCount];
        var weight = compiled.Parameters.Single(p => p.Name.EndsWith("weight", StringComparison.Ordinal));
        var bias = compiled.Parameters.Single(p => p.Name.EndsWith("bias", StringComparison.Ordinal));
        for (var i = 0; i < 16; i++)
        {
            parameters[weight.Offset + (i * 2)] = -1; // dark
            parameters[weight.Offset + (i * 2) + 1] = 1; // light
        }

        (parameters[bias.Offset], parameters[bias.Offset + 1]) = (8, -8);
        var schema = new DataSchema
        {
            Format = "images",
            Task = LearningTask.Classification,
            FeatureShape = [1, 4, 4],
            TargetWidth = 1,
            ClassNames = ["dark", "light"],
            Channels = 1,
        };
        var path = Path.Combine(_dir, "brightness.dtmodel");
        new TrainedModel("brightness.json", json, parameters, new Dictionary<string, string>(), schema).Write(path);
        return path;
    }
}
