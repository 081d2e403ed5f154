// init_from: which of a trained model file's tensors start which parameters, and the one-line errors when the file or
// the mapping does not fit.
using Dtrain.Models;
using Dtrain.Models.Graph;

namespace Dtrain.Protocol.Persistence.Tests;

public sealed class PretrainedParametersTests : IDisposable
{
    // The file's model: an encoder "enc" (dense 4 -> 3) and a parameter node "w_out" (3 x 2).
    private const string SourceJson = """
        { "name": "source",
          "inputs": [ { "name": "x", "shape": [4] }, { "name": "y", "shape": [2], "source": "labels" } ],
          "nodes": [ { "id": "enc", "op": "dense", "inputs": ["x"], "attrs": { "units": 3 } },
                     { "id": "w_out", "op": "parameter", "attrs": { "shape": [3, 2] } },
                     { "id": "out", "op": "matmul", "inputs": ["enc", "w_out"] },
                     { "id": "loss", "op": "mse", "inputs": ["out", "y"] } ],
          "loss": "loss", "output": "out" }
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-init-from-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Mapped_and_namesake_parameters_start_from_the_file_and_the_rest_from_their_initializer()
    {
        // Arrange: this model's fc1 is the file's enc (node to node), fc2.weight the file's parameter node w_out.
        var source = WriteSource();
        var model = Compile("""{ "file": "source.dtmodel", "map": { "fc1": "enc", "fc2.weight": "w_out" } }""", units: 2);
        var plain = model.InitialParameters(7);

        // Act
        var initial = PretrainedParameters.Initial(model, 7);

        // Assert
        Assert.Equal(Slice(source, "enc.weight"), Slice(model, initial, "fc1.weight"));
        Assert.Equal(Slice(source, "enc.bias"), Slice(model, initial, "fc1.bias"));
        Assert.Equal(Slice(source, "w_out"), Slice(model, initial, "fc2.weight"));
        Assert.Equal(Slice(model, plain, "fc2.bias"), Slice(model, initial, "fc2.bias"));
    }

    [Fact]
    public void A_model_without_init_from_starts_from_its_initializers()
    {
        var model = ModelCompiler.Compile(ModelParser.Parse(SourceJson, Path.Combine(_dir, "plain.json")));

        Assert.Equal(model.InitialParameters(3), PretrainedParameters.Initial(model, 3));
    }

    [Fact]
    public void A_shape_mismatch_names_both_parameters_and_their_shapes()
    {
        WriteSource();
        var model = Compile("""{ "file": "source.dtmodel", "map": { "fc1": "enc", "fc2.weight": "w_out" } }""", units: 5);

        var e = Assert.Throws<DtrainException>(() => PretrainedParameters.Initial(model, 1));

        Assert.Equal($"{ModelFile}: init_from {Path.Combine(_dir, "source.dtmodel")}: parameter 'fc2.weight' is [3, 5] here, but 'w_out' is [3, 2] in the file", e.Message);
    }

    [Fact]
    public void A_map_key_that_is_no_parameter_or_node_is_named()
    {
        WriteSource();
        var model = Compile("""{ "file": "source.dtmodel", "map": { "fc9": "enc" } }""", units: 2);

        var e = Assert.Throws<DtrainException>(() => PretrainedParameters.Initial(model, 1));

        Assert.Equal($"{ModelFile}: init_from: map entry 'fc9' names no parameter of this model, nor a node with parameters", e.Message);
    }

    [Fact]
    public void A_map_value_the_file_lacks_is_named_with_what_the_file_has()
    {
        WriteSource();
        var model = Compile("""{ "file": "source.dtmodel", "map": { "fc1": "encoder" } }""", units: 2);

        var e = Assert.Throws<DtrainException>(() => PretrainedParameters.Initial(model, 1));

        Assert.StartsWith($"{ModelFile}: init_from {Path.Combine(_dir, "source.dtmodel")}: 'fc1' maps to 'encoder', which names no parameter or node with parameters in the file (it has enc.weight, enc.bias, w_out)", e.Message);
    }

    [Fact]
    public void Strict_names_the_first_parameter_the_file_does_not_give()
    {
        WriteSource();
        var model = Compile("""{ "file": "source.dtmodel", "map": { "fc1": "enc" }, "strict": true }""", units: 2);

        var e = Assert.Throws<DtrainException>(() => PretrainedParameters.Initial(model, 1));

        Assert.StartsWith($"{ModelFile}: init_from {Path.Combine(_dir, "source.dtmodel")} (strict): parameter 'fc2.weight' has no value in the file", e.Message);
    }

    [Fact]
    public void A_damaged_file_fails_its_checksum_naming_both_files()
    {
        var source = WriteSource();
        var bytes = File.ReadAllBytes(source);
        bytes[^20] ^= 0x40; // a bit of the last parameter
        File.WriteAllBytes(source, bytes);
        var model = Compile("\"source.dtmodel\"", units: 2);

        var e = Assert.Throws<DtrainException>(() => PretrainedParameters.Initial(model, 1));

        Assert.StartsWith($"{ModelFile}: init_from: {source}: the file is damaged (its checksum does not match", e.Message);
    }

    [Fact]
    public void A_file_that_is_no_trained_model_is_named()
    {
        File.WriteAllText(Path.Combine(_dir, "source.dtmodel"), "{ \"this is\": \"a model file, not a trained model\" }");
        var model = Compile("\"source.dtmodel\"", units: 2);

        var e = Assert.Throws<DtrainException>(() => PretrainedParameters.Initial(model, 1));

        Assert.StartsWith($"{ModelFile}: init_from: {Path.Combine(_dir, "source.dtmodel")}: not a dtrain trained model", e.Message);
    }

    [Theory]
    [InlineData("42", "\"init_from\" must be a trained model's path")]
    [InlineData("{ \"map\": {} }", "init_from needs \"file\"")]
    [InlineData("{ \"file\": \"a.dtmodel\", \"strict\": 1 }", "init_from: \"strict\" must be true or false")]
    [InlineData("{ \"file\": \"a.dtmodel\", \"mapping\": {} }", "init_from: unknown field 'mapping'")]
    public void A_malformed_init_from_is_one_line_naming_the_model_file(string initFrom, string problem)
    {
        var e = Assert.Throws<ModelFileException>(() => Compile(initFrom, units: 2));

        Assert.StartsWith($"{ModelFile}: {problem}", e.Message);
    }

    private string ModelFile => Path.Combine(_dir, "model.json");

    /// <summary>A model (fc1: dense 4 -> 3, fc2: dense 3 -> units) starting from <paramref name="initFrom"/>.</summary>
    private CompiledModel Compile(string initFrom, int units) => ModelCompiler.Compile(ModelParser.Parse($$"""
        { "name": "target", "init_from": {{initFrom}},
          "inputs": [ { "name": "x", "shape": [4] }, { "name": "y", "shape": [{{units}}], "source": "labels" } ],
          "nodes": [ { "id": "fc1", "op": "dense", "inputs": ["x"], "attrs": { "units": 3 } },
                     { "id": "fc2", "op": "dense", "inputs": ["fc1"], "attrs": { "units": {{units}} } },
                     { "id": "loss", "op": "mse", "inputs": ["fc2", "y"] } ],
          "loss": "loss", "output": "fc2" }
        """, ModelFile));

    /// <summary>Writes source.dtmodel with distinct values 1, 2, 3, ... and returns its path.</summary>
    private string WriteSource()
    {
        var model = ModelCompiler.Compile(ModelParser.Parse(SourceJson, "source.json"));
        var values = Enumerable.Range(1, model.ParameterCount).Select(i => (float)i).ToArray();
        var path = Path.Combine(_dir, "source.dtmodel");
        new TrainedModel("source.json", SourceJson, values, new Dictionary<string, string>()).Write(path);
        return path;
    }

    private float[] Slice(string dtmodel, string name)
    {
        var trained = TrainedModel.Read(dtmodel);
        return Slice(ModelCompiler.Compile(ModelParser.Parse(trained.ModelJson, dtmodel)), trained.Parameters, name);
    }

    private static float[] Slice(CompiledModel model, float[] flat, string name)
    {
        var p = model.Parameters.Single(p => p.Name == name);
        return flat.AsSpan(p.Offset, p.Size).ToArray();
    }
}
