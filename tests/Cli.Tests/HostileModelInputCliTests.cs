// The real dtrain process given absurd or crafted model files, data files, trained models and predict inputs: each
// must exit 1 within seconds with exactly one line naming the file and the node, field or position at fault.
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Dtrain.Protocol.Persistence;

namespace Dtrain.Cli.Tests;

public sealed class HostileModelInputCliTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("units-2g", """{"units": 2000000000}""", "node 'fc'", "attribute 'units' must be a positive integer of at most 16,777,216, got 2000000000")]
    [InlineData("units-3m", """{"units": 3000000}""", "node 'fc'", "parameter 'fc.weight' of shape 784x3000000 holds 2,352,000,000 floats")]
    [InlineData("unitz", """{"units": 10, "unitz": 20}""", "node 'fc'", "unknown attribute 'unitz' (did you mean 'units'?)")]
    public void Check_refuses_an_absurd_dense_layer_in_one_line(string name, string attrs, string node, string problem)
    {
        var path = Write(name + ".json", Mlp(attrs));

        var result = DtrainProcess.Run(Limit, "check", path);

        AssertOneLineError(result, path, node, problem);
    }

    [Fact]
    public void Check_refuses_a_parameter_of_ten_billion_floats_in_one_line()
    {
        var path = Write("param.json", """
            {"inputs": [{"name": "x", "shape": [100000]}, {"name": "y", "shape": [], "dtype": "int32"}],
             "nodes": [{"id": "w", "op": "parameter", "attrs": {"shape": [100000, 100000]}},
                       {"id": "fc", "op": "matmul", "inputs": ["x", "w"]},
                       {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc", "y"]}],
             "loss": "loss"}
            """);

        var result = DtrainProcess.Run(Limit, "check", path);

        AssertOneLineError(result, path, "node 'w'", "holds 10,000,000,000 floats");
    }

    [Fact]
    public void Check_refuses_an_ansi_escape_in_a_node_id_without_printing_it()
    {
        var path = Write("ansi.json", Mlp("""{"units": 10}""").Replace("\"id\": \"fc\"", "\"id\": \"fc\\u001b[31m\"", StringComparison.Ordinal));

        var result = DtrainProcess.Run(Limit, "check", path);

        AssertOneLineError(result, path, "fc\\u001b[31m", "control character at position 3");
        Assert.DoesNotContain('\u001b', result.Stderr + result.Stdout);
    }

    [Fact]
    public void Train_refuses_a_batch_whose_activations_cannot_be_held()
    {
        var path = Write("mlp.json", Mlp("""{"units": 10}"""));

        var result = DtrainProcess.Run(Limit, "train", path, "--batch", "10000000", "--no-checkpoint", "--data-dir", _dir);

        // The message names the batch whatever check refuses it first (ModelLimits, or the CLI's own scale bounds).
        AssertOneLineError(result, "batch", "10,000,000");
    }

    [Fact]
    public void Train_refuses_images_of_no_rows_naming_the_file()
    {
        var data = WriteMnist(trainCount: 4, trainRows: 0, testRows: 28);

        var result = DtrainProcess.Run(Limit, "train", Write("mlp.json", Mlp("""{"units": 10}""")), "--no-checkpoint", "--data-dir", data);

        AssertOneLineError(result, "train-images-idx3-ubyte", "images of 0x28 pixels", "at least one row");
    }

    [Fact]
    public void Train_refuses_a_training_set_of_no_images_instead_of_hanging()
    {
        var data = WriteMnist(trainCount: 0, trainRows: 28, testRows: 28);

        var result = DtrainProcess.Run(Limit, "train", Write("mlp.json", Mlp("""{"units": 10}""")), "--no-checkpoint", "--data-dir", data);

        AssertOneLineError(result, "train-images-idx3-ubyte", "holds no images", "nothing to train on");
    }

    [Fact]
    public void Train_refuses_test_images_of_another_size_than_the_models_input()
    {
        var data = WriteMnist(trainCount: 4, trainRows: 28, testRows: 20);

        var result = DtrainProcess.Run(Limit, "train", Write("mlp.json", Mlp("""{"units": 10}""")), "--no-checkpoint", "--epochs", "1", "--data-dir", data);

        AssertOneLineError(result, "t10k-images-idx3-ubyte' are 20x20 pixels", "train-images-idx3-ubyte' are 28x28", "one size");
    }

    [Theory]
    [InlineData("origin-length", "origin", "does not fit")]
    [InlineData("origin-json", "origin", "not valid JSON")]
    [InlineData("origin-number", "origin", "field 'job' must be a string")]
    [InlineData("origin-shape", "origin", "must be an object with a string \"model_file\"")]
    [InlineData("origin-escape", "origin", "'j\\u001b[2J' holds a control character")]
    [InlineData("model-length", "model JSON", "does not fit")]
    [InlineData("model-utf8", "model JSON", "not valid UTF-8")]
    [InlineData("count-negative", "parameters", "declares -1 floats")]
    [InlineData("count-huge", "parameters", "declares 2,147,483,647 floats")]
    [InlineData("count-short", "parameters", "declares 7,851 floats")]
    [InlineData("no-count", "parameter count", "needs 4 bytes")]
    public void Eval_refuses_a_crafted_trained_model_with_a_valid_checksum_naming_the_part(string craft, string part, string problem)
    {
        var path = Path.Combine(_dir, craft + ".dtmodel");
        File.WriteAllBytes(path, Craft(craft));

        var result = DtrainProcess.Run(Limit, "eval", path, "--data-dir", _dir);

        AssertOneLineError(result, path, $"trained model's {part} is malformed", problem);
    }

    [Fact]
    public void Eval_refuses_a_trained_model_whose_model_json_is_malformed_naming_the_node()
    {
        var path = Path.Combine(_dir, "unitz.dtmodel");
        new TrainedModel("unitz.json", Mlp("""{"units": 10, "unitz": 3}"""), new float[7850], new Dictionary<string, string>()).Write(path);

        var result = DtrainProcess.Run(Limit, "eval", path, "--data-dir", _dir);

        AssertOneLineError(result, path, "node 'fc'", "unknown attribute 'unitz'");
    }

    [Fact]
    public void Predict_refuses_a_trained_model_holding_nan_naming_the_parameter()
    {
        var parameters = new float[7850];
        parameters[7845] = float.NaN;
        var model = WriteTrained("nan.dtmodel", parameters);

        var result = DtrainProcess.Run(Limit, "predict", model, Write("input.txt", Row("0.5")));

        AssertOneLineError(result, model, "parameter 'fc.bias'", "NaN at position 5");
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("1e40")]
    [InlineData("-Infinity")]
    public void Predict_refuses_an_input_that_is_not_a_finite_number_naming_its_position(string value)
    {
        var model = WriteTrained("tiny.dtmodel", Enumerable.Repeat(0.01f, 7850).ToArray());
        var values = Enumerable.Repeat("0.5", 784).ToArray();
        values[99] = value;
        var input = Write("input.txt", Row("0.25") + "\n" + string.Join(",", values) + "\n");

        var result = DtrainProcess.Run(Limit, "predict", model, input);

        AssertOneLineError(result, input, $"{input}:2: value 100 '{value}'", "not a finite number");
    }

    [Fact]
    public void Predict_refuses_an_input_whose_scores_overflow_instead_of_answering_nan()
    {
        // Weights of 1 sum 784 values of 1e37: every score is infinite, so no class can be named.
        var model = WriteTrained("ones.dtmodel", Enumerable.Repeat(1f, 7850).ToArray());
        var input = Write("input.txt", Row("1e37"));

        var result = DtrainProcess.Run(Limit, "predict", model, input);

        AssertOneLineError(result, input, "example 1", "scores are not finite numbers");
    }

    [Fact]
    public void Predict_still_answers_for_ordinary_inputs()
    {
        var model = WriteTrained("tiny.dtmodel", Enumerable.Repeat(0.01f, 7850).ToArray());

        var result = DtrainProcess.Run(Limit, "predict", model, Write("input.txt", Row("0.5")));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("on 1 example(s)", result.Stdout);
    }

    /// <summary>x (784) -> dense "fc" with <paramref name="attrs"/> -> softmax cross-entropy: 7,850 parameters with 10 units.</summary>
    private static string Mlp(string attrs) => $$"""
        {"inputs": [{"name": "x", "shape": [784]}, {"name": "y", "shape": [], "dtype": "int32"}],
         "nodes": [{"id": "fc", "op": "dense", "inputs": ["x"], "attrs": {{attrs}}},
                   {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc", "y"]}],
         "loss": "loss"}
        """;

    private static string Row(string value) => string.Join(",", Enumerable.Repeat(value, 784));

    /// <summary>A .dtmodel laid out as TrainedModel.Write lays it out, with one part crafted, sealed with a valid CRC-64.</summary>
    private static byte[] Craft(string craft)
    {
        var origin = Encoding.UTF8.GetBytes(craft switch
        {
            "origin-json" => "{\"model_file\": ",
            "origin-number" => """{"model_file": "m.json", "origin": {"job": 7}}""",
            "origin-shape" => """{"model_file": 3, "origin": []}""",
            "origin-escape" => """{"model_file": "m.json", "origin": {"job": "j\u001b[2J"}}""",
            _ => """{"model_file": "m.json", "origin": {"job": "j"}}""",
        });
        var json = craft == "model-utf8" ? [0x7b, 0xff, 0xfe, 0x7d] : Encoding.UTF8.GetBytes(Mlp("""{"units": 10}"""));
        var count = craft switch { "count-negative" => -1, "count-huge" => int.MaxValue, "count-short" => 7851, _ => 7850 };
        var body = new List<byte>();
        body.AddRange("DTRNMODL"u8.ToArray());
        body.AddRange(Int(1));
        body.AddRange(Int(craft == "origin-length" ? 1 << 30 : origin.Length));
        body.AddRange(origin);
        body.AddRange(Int(craft == "model-length" ? int.MaxValue : json.Length));
        body.AddRange(json);
        if (craft != "no-count")
        {
            body.AddRange(Int(count));
            body.AddRange(new byte[7850 * 4]);
        }

        var crc = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(crc, Crc64.HashToUInt64(body.ToArray()));
        return [.. body, .. crc];
    }

    private static byte[] Int(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return bytes;
    }

    private string WriteTrained(string name, float[] parameters)
    {
        var path = Path.Combine(_dir, name);
        new TrainedModel("tiny.json", Mlp("""{"units": 10}"""), parameters, new Dictionary<string, string>()).Write(path);
        return path;
    }

    /// <summary>A data folder of the four MNIST files: training images of trainRows x 28, test images of testRows x testRows.</summary>
    private string WriteMnist(int trainCount, int trainRows, int testRows)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "mnist")).FullName;
        WriteIdx(Path.Combine(folder, "train-images-idx3-ubyte"), [trainCount, trainRows, 28]);
        WriteIdx(Path.Combine(folder, "train-labels-idx1-ubyte"), [trainCount]);
        WriteIdx(Path.Combine(folder, "t10k-images-idx3-ubyte"), [4, testRows, testRows]);
        WriteIdx(Path.Combine(folder, "t10k-labels-idx1-ubyte"), [4]);
        return folder;
    }

    private static void WriteIdx(string path, int[] dims)
    {
        var size = dims.Aggregate(1, (a, b) => a * b);
        var bytes = new byte[4 + (4 * dims.Length) + size];
        (bytes[2], bytes[3]) = (0x08, (byte)dims.Length);
        for (var d = 0; d < dims.Length; d++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * d)), dims[d]);
        }

        File.WriteAllBytes(path, bytes);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Exit 1 and one line on standard error, starting "dtrain: error:", holding each fact, with no stack trace.</summary>
    private static void AssertOneLineError(ProcessResult result, params string[] facts)
    {
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode.ToString(CultureInfo.InvariantCulture)}; stderr: {result.Stderr}; stdout: {result.Stdout}");
        Assert.True(lines.Length == 1, $"expected one line, got {lines.Length}: {result.Stderr}");
        Assert.StartsWith("dtrain: error: ", lines[0]);
        foreach (var fact in facts)
        {
            Assert.Contains(fact, lines[0]);
        }

        Assert.DoesNotContain("Exception", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }
}
