// "auto" in model files: input shapes and dense units resolved from a data schema for each task, the one-line error
// when no data resolves them, and the one-line width mismatches between a fixed model and its data.
using Dtrain.Models.Data;
using Dtrain.Models.Graph;

namespace Dtrain.Models.Tests.Graph;

public sealed class AutoShapesTests
{
    private const string Model = """
        {
          "name": "auto",
          "inputs": [
            { "name": "x", "shape": "auto", "dtype": "float32" },
            { "name": "y", "shape": "auto", "dtype": "LABEL_DTYPE", "source": "labels" }
          ],
          "nodes": [
            // comments are allowed in model files
            { "id": "fc1", "op": "dense", "inputs": ["x"], "attrs": { "units": 8, "activation": "relu" } },
            { "id": "out", "op": "dense", "inputs": ["fc1"], "attrs": { "units": "auto" } },
            { "id": "loss", "op": "LOSS", "inputs": ["out", "y"] }
          ],
          "loss": "loss",
          "output": "out",
          "training": { "batch": 4 }
        }
        """;

    private static string ModelFor(string loss, string labelDtype = "float32") => Model.Replace("LOSS", loss, StringComparison.Ordinal).Replace("LABEL_DTYPE", labelDtype, StringComparison.Ordinal);

    private static DataSchema Schema(LearningTask task, int[] shape, int targets, int classes = 0) => new()
    {
        Format = "test",
        Task = task,
        FeatureShape = shape,
        TargetWidth = targets,
        ClassNames = classes > 0 ? Enumerable.Range(0, classes).Select(c => $"c{c}").ToArray() : null,
    };

    private static CompiledModel Compile(string text) => ModelCompiler.Compile(ModelParser.Parse(text, "auto.json"));

    [Fact]
    public void Auto_takes_the_feature_width_and_class_count_for_classification()
    {
        // Act
        var model = Compile(AutoShapes.Resolve(ModelFor("softmax_cross_entropy", "int32"), "auto.json", Schema(LearningTask.Classification, [13], 1, classes: 3)));

        // Assert
        Assert.Equal((13, 1, 3), (model.FeatureSize, model.LabelSize, model.Values[model.OutputValue].Type.Size));
        Assert.Empty(model.Spec.Inputs[1].Shape);
    }

    [Fact]
    public void Auto_takes_the_target_width_for_regression()
    {
        // Act
        var model = Compile(AutoShapes.Resolve(ModelFor("mse"), "auto.json", Schema(LearningTask.Regression, [10], 2)));

        // Assert
        Assert.Equal((10, 2, 2), (model.FeatureSize, model.LabelSize, model.Values[model.OutputValue].Type.Size));
    }

    [Fact]
    public void Auto_takes_the_feature_shape_as_target_for_reconstruction()
    {
        // Act
        var model = Compile(AutoShapes.Resolve(ModelFor("mse"), "auto.json", Schema(LearningTask.Reconstruction, [6], 6)));

        // Assert
        Assert.Equal((6, 6, 6), (model.FeatureSize, model.LabelSize, model.Values[model.OutputValue].Type.Size));
        Assert.Equal([6], model.Spec.Inputs[1].Shape);
    }

    [Fact]
    public void Model_without_auto_is_left_exactly_as_written()
    {
        // Arrange
        var text = ModelFor("mse").Replace("\"shape\": \"auto\"", "\"shape\": [3]", StringComparison.Ordinal).Replace("\"units\": \"auto\"", "\"units\": 3", StringComparison.Ordinal);

        // Act / Assert
        Assert.False(AutoShapes.Has(text));
        Assert.Same(text, AutoShapes.Resolve(text, "auto.json", Schema(LearningTask.Regression, [3], 3)));
    }

    [Fact]
    public void Training_section_is_read_before_the_model_compiles()
    {
        // Act
        var settings = AutoShapes.Training(ModelFor("mse"), "auto.json");

        // Assert
        Assert.True(AutoShapes.Has(ModelFor("mse")));
        Assert.Equal(4, settings.Batch);
    }

    [Fact]
    public void Auto_shape_without_data_is_one_line_naming_the_flag()
    {
        // Act
        var error = Assert.Throws<ModelFileException>(() => ModelParser.Parse(ModelFor("mse"), "auto.json"));

        // Assert
        Assert.Equal("auto.json: node 'x': \"shape\": \"auto\" is taken from the data, which was not given: train with --train PATH (or training.data.train), or check with 'dtrain check MODEL --train PATH'", error.Message);
    }

    [Fact]
    public void Auto_units_without_data_is_one_line_naming_the_flag()
    {
        // Arrange
        var text = ModelFor("mse").Replace("\"shape\": \"auto\"", "\"shape\": [3]", StringComparison.Ordinal);

        // Act
        var error = Assert.Throws<ModelFileException>(() => ModelParser.Parse(text, "auto.json"));

        // Assert
        Assert.Equal("auto.json: node 'out': \"units\": \"auto\" is taken from the data, which was not given: train with --train PATH (or training.data.train), or check with 'dtrain check MODEL --train PATH'", error.Message);
    }

    [Fact]
    public void Feature_width_mismatch_names_both_widths()
    {
        // Arrange: a model fixed at 784 inputs, data of 13 features.
        var model = Compile(AutoShapes.Resolve(ModelFor("softmax_cross_entropy", "int32"), "m.json", Schema(LearningTask.Classification, [784], 1, classes: 10)));
        var data = new Dataset("weather.csv", [13], LearningTask.Classification, 10, new float[13], [0f], 1);

        // Act
        var error = Assert.Throws<DtrainException>(() => ModelDataFit.Check(model, data, "m.json"));

        // Assert
        Assert.Equal("m.json: input 'x' holds 784 floats per example, but weather.csv encodes 13 ([13]); write \"shape\": \"auto\" to take the data's width", error.Message);
    }

    [Fact]
    public void Class_count_mismatch_names_both_counts()
    {
        // Arrange
        var model = Compile(AutoShapes.Resolve(ModelFor("softmax_cross_entropy", "int32"), "m.json", Schema(LearningTask.Classification, [4], 1, classes: 10)));
        var data = new Dataset("iris.csv", [4], classes: 3, new float[4], [0]);

        // Act
        var error = Assert.Throws<DtrainException>(() => ModelDataFit.Check(model, data, "m.json"));

        // Assert
        Assert.Equal("m.json: output 'out' scores 10 classes, but iris.csv has 3; write \"units\": \"auto\" to take the data's class count", error.Message);
    }

    [Fact]
    public void Regression_target_mismatch_names_both_widths()
    {
        // Arrange
        var model = Compile(AutoShapes.Resolve(ModelFor("mse"), "m.json", Schema(LearningTask.Regression, [4], 2)));
        var data = new Dataset("house.csv", [4], LearningTask.Regression, 0, new float[4], [1f], 1);

        // Act
        var error = Assert.Throws<DtrainException>(() => ModelDataFit.Check(model, data, "m.json"));

        // Assert
        Assert.Equal("m.json: input 'y' holds 2 floats per example, but house.csv has 1 regression target(s); write \"shape\": \"auto\"", error.Message);
    }
    [Fact]
    public void Unsupervised_job_does_not_check_the_output_against_the_class_count()
    {
        // Arrange: a 10-unit output over 3-class data, which a classification refuses.
        var model = Compile(AutoShapes.Resolve(ModelFor("softmax_cross_entropy", "int32"), "m.json", Schema(LearningTask.Classification, [4], 1, classes: 10)));
        var data = new UnsupervisedExamples(new Dataset("iris.csv", [4], classes: 3, new float[4], [0]));

        // Act
        var error = Record.Exception(() => ModelDataFit.Check(model, data, "m.json"));

        // Assert
        Assert.Null(error);
        Assert.Equal(LearningTask.Unsupervised, data.Task);
    }

    [Fact]
    public void One_output_unit_fits_two_classes_as_a_binary_classifier()
    {
        // Arrange
        var model = Compile(AutoShapes.Resolve(ModelFor("softmax_cross_entropy", "int32"), "m.json", Schema(LearningTask.Classification, [4], 1, classes: 1)));
        var data = new Dataset("gate.csv", [4], classes: 2, new float[4], [1]);

        // Act
        var error = Record.Exception(() => ModelDataFit.Check(model, data, "m.json"));

        // Assert
        Assert.Null(error);
    }
}
