// Each malformed model file must fail with a ModelFileException naming the file, the node at fault and the problem;
// one well-formed file checks the inferred shapes and the flat parameter layout.
using Dtrain.Models.Graph;

namespace Dtrain.Models.Tests.Graph;

public sealed class ModelFileErrorTests : IDisposable
{
    private const string Inputs = """
        "inputs": [{"name": "x", "shape": [4], "dtype": "float32"}, {"name": "y", "shape": [], "dtype": "int32"}]
        """;

    private const string Classifier = """
        {"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}},
        {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc1", "y"]}
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("dtrain-model-files-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Invalid_json_reports_line_and_column()
    {
        // The '}' at line 3, column 3 cannot close the '[' opened on line 2.
        var path = Write("broken.json", "{\n  \"inputs\": [\n  } \n}");

        var error = LoadFails(path);

        Assert.Contains("invalid JSON", error.Message);
        Assert.Contains("line 3, column 3", error.Message);
    }

    [Fact]
    public void Unknown_op_lists_the_known_ops()
    {
        var path = WriteModel("""
            {"id": "conv", "op": "conv9d", "inputs": ["x"]},
            {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["conv", "y"]}
            """);

        var error = LoadFails(path, node: "conv");

        Assert.Contains("unknown op 'conv9d'", error.Message);
        Assert.Contains("conv2d, dense, flatten, max_pool2d, mse, relu, reshape, sigmoid, softmax_cross_entropy, tanh", error.Message);
    }

    [Fact]
    public void Input_that_names_no_node_is_reported()
    {
        var path = WriteModel("""
            {"id": "fc1", "op": "dense", "inputs": ["pixels"], "attrs": {"units": 3}},
            {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc1", "y"]}
            """);

        var error = LoadFails(path, node: "fc1");

        Assert.Contains("'pixels' names no node", error.Message);
    }

    [Fact]
    public void Cycle_names_every_node_on_it()
    {
        // The loss comes first in the file and hangs behind the cycle: it must not be blamed.
        var path = WriteModel("""
            {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["a", "y"]},
            {"id": "a", "op": "dense", "inputs": ["b"], "attrs": {"units": 3}},
            {"id": "b", "op": "tanh", "inputs": ["a"]}
            """);

        var error = LoadFails(path);

        Assert.Matches(@"cycle: (a -> b -> a|b -> a -> b)", error.Message);
        Assert.True(error.Node is "a" or "b", $"blamed node '{error.Node}' is not on the cycle");
        Assert.Contains($"node '{error.Node}'", error.Message);
    }

    [Fact]
    public void Duplicate_id_is_reported()
    {
        var path = WriteModel("""
            {"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}},
            {"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}},
            {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc1", "y"]}
            """);

        var error = LoadFails(path, node: "fc1");

        Assert.Contains("duplicate id", error.Message);
    }

    [Fact]
    public void Mse_between_different_shapes_reports_both_shapes()
    {
        var path = Write("mse.json", """
            {"inputs": [{"name": "x", "shape": [4]}, {"name": "t", "shape": [4], "source": "labels"}],
             "nodes": [{"id": "out", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}},
                       {"id": "loss", "op": "mse", "inputs": ["out", "t"]}],
             "loss": "loss"}
            """);

        var error = LoadFails(path, node: "loss");

        Assert.Contains("(batch, 3)", error.Message);
        Assert.Contains("(batch, 4)", error.Message);
    }

    [Fact]
    public void Dense_fed_a_rank_zero_input_is_a_shape_error()
    {
        var path = Write("rank0.json", """
            {"inputs": [{"name": "x", "shape": []}, {"name": "y", "shape": [], "dtype": "int32"}],
             "nodes": [{"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}},
                       {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc1", "y"]}],
             "loss": "loss"}
            """);

        var error = LoadFails(path, node: "fc1");

        Assert.Contains("must be (batch, features), got (batch)", error.Message);
    }

    [Fact]
    public void Missing_loss_is_reported()
    {
        var path = WriteModel("""{"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}}""", loss: null);

        var error = LoadFails(path);

        Assert.Contains("no loss", error.Message);
    }

    [Fact]
    public void Loss_that_names_a_dense_node_is_not_a_scalar()
    {
        var path = WriteModel("""{"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}}""", loss: "fc1");

        var error = LoadFails(path, node: "fc1");

        Assert.Contains("must be a scalar", error.Message);
        Assert.Contains("(batch, 3)", error.Message);
    }

    [Fact]
    public void Dense_without_units_reports_the_missing_attribute()
    {
        var path = WriteModel("""
            {"id": "fc1", "op": "dense", "inputs": ["x"]},
            {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc1", "y"]}
            """);

        var error = LoadFails(path, node: "fc1");

        Assert.Contains("missing required attribute 'units'", error.Message);
    }

    [Fact]
    public void Unknown_weight_initializer_names_the_attribute()
    {
        var path = WriteModel("""
            {"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": 3, "weight_init": "lecun_magic"}},
            {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc1", "y"]}
            """);

        var error = LoadFails(path, node: "fc1");

        Assert.Contains("weight_init", error.Message);
        Assert.Contains("unknown initializer 'lecun_magic'", error.Message);
    }

    [Fact]
    public void Wrong_number_of_inputs_is_reported()
    {
        var path = WriteModel("""
            {"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}},
            {"id": "h", "op": "tanh", "inputs": ["fc1", "x"]},
            {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["h", "y"]}
            """);

        var error = LoadFails(path, node: "h");

        Assert.Contains("takes 1 input(s), got 2", error.Message);
    }

    [Fact]
    public void Unknown_training_field_lists_the_known_fields()
    {
        var path = WriteModel(Classifier, training: """{"batch_size": 64}""");

        var error = LoadFails(path);

        Assert.Contains("unknown field training.batch_size", error.Message);
        Assert.Contains("batch, epochs", error.Message);
    }

    [Fact]
    public void Negative_batch_is_reported_as_a_model_file_error()
    {
        var path = WriteModel(Classifier, training: """{"batch": -5}""");

        var error = LoadFails(path);

        Assert.Contains("training.batch must be positive, got -5", error.Message);
    }

    [Fact]
    public void Well_formed_model_has_inferred_shapes_and_a_contiguous_parameter_layout()
    {
        var path = Write("tiny.json", """
            {"name": "tiny",
             "inputs": [{"name": "x", "shape": [4], "dtype": "float32"}, {"name": "y", "shape": [], "dtype": "int32"}],
             "nodes": [{"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": 5, "weight_init": "he_normal"}},
                       {"id": "h", "op": "tanh", "inputs": ["fc1"]},
                       {"id": "out", "op": "dense", "inputs": ["h"], "attrs": {"units": 3}},
                       {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["out", "y"]}],
             "loss": "loss", "training": {"optimizer": "adam", "lr": 0.001, "batch": 128}}
            """);

        var model = ModelCompiler.Load(path);

        var shapes = model.Values.ToDictionary(v => v.Name, v => v.Type.ToString());
        Assert.Equal("(batch, 4)", shapes["x"]);
        Assert.Equal("(batch)", shapes["y"]);
        Assert.Equal("(batch, 5)", shapes["fc1"]);
        Assert.Equal("(batch, 5)", shapes["h"]);
        Assert.Equal("(batch, 3)", shapes["out"]);
        Assert.Equal("()", shapes["loss"]);
        Assert.Equal(["fc1.weight", "fc1.bias", "out.weight", "out.bias"], model.Parameters.Select(p => p.Name));
        Assert.Equal([0, 20, 25, 40], model.Parameters.Select(p => p.Offset));
        Assert.Equal([20, 5, 15, 3], model.Parameters.Select(p => p.Size));
        Assert.Equal(43, model.ParameterCount);
        Assert.Equal(("x", "y", "out", "loss"), (model.Values[model.FeatureInput].Name, model.Values[model.LabelInput].Name,
            model.Values[model.OutputValue].Name, model.Values[model.LossValue].Name));
        Assert.Equal((4, 1), (model.FeatureSize, model.LabelSize));
        Assert.Equal(("adam", 0.001f, 128), (model.Spec.Training.Optimizer.Type, model.Spec.Training.Optimizer.LearningRate, model.Spec.Training.Batch));
        var initial = model.InitialParameters(seed: 42);
        Assert.Contains(initial[..20], w => w != 0f);
        Assert.All(initial[20..25], b => Assert.Equal(0f, b));
    }

    private string WriteModel(string nodes, string? loss = "loss", string? training = null)
    {
        var lossField = loss is null ? "" : $", \"loss\": \"{loss}\"";
        var trainingField = training is null ? "" : $", \"training\": {training}";
        return Write("model.json", $"{{{Inputs}, \"nodes\": [{nodes}]{lossField}{trainingField}}}");
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Loads the file expecting failure; checks the message names the file and, when given, the node.</summary>
    private static ModelFileException LoadFails(string path, string? node = null)
    {
        var error = Assert.Throws<ModelFileException>(() => ModelCompiler.Load(path));
        Assert.StartsWith(path + ": ", error.Message);
        if (node is not null)
        {
            Assert.Equal(node, error.Node);
            Assert.Contains($"node '{node}'", error.Message);
        }

        return error;
    }
}
