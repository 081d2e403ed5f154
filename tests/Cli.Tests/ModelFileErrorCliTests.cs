// The CLI's answer to a malformed model file: one line naming file and node, non-zero exit, no stack trace.
namespace Dtrain.Cli.Tests;

public sealed class ModelFileErrorCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("unknown-op", """{"inputs":[{"name":"x","shape":[4]},{"name":"y","shape":[],"dtype":"int32"}],"nodes":[{"id":"fc","op":"densee","inputs":["x"]}],"loss":"fc"}""", "node 'fc'", "unknown op 'densee'")]
    [InlineData("bad-json", """{"inputs": [ """, "invalid JSON", "line")]
    [InlineData("cycle", """{"inputs":[{"name":"x","shape":[4]},{"name":"y","shape":[],"dtype":"int32"}],"nodes":[{"id":"a","op":"relu","inputs":["b"]},{"id":"b","op":"relu","inputs":["a"]}],"loss":"a"}""", "cycle", "a -> b")]
    [InlineData("no-units", """{"inputs":[{"name":"x","shape":[4]},{"name":"y","shape":[],"dtype":"int32"}],"nodes":[{"id":"fc","op":"dense","inputs":["x"]},{"id":"l","op":"softmax_cross_entropy","inputs":["fc","y"]}],"loss":"l"}""", "node 'fc'", "missing required attribute 'units'")]
    public void Check_reports_a_malformed_model_file_in_one_line_without_a_stack_trace(string name, string json, string fact1, string fact2)
    {
        var path = Path.Combine(_dir, name + ".json");
        File.WriteAllText(path, json);

        var result = DtrainProcess.Run(TimeSpan.FromSeconds(60), "check", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(path, result.Stderr);
        Assert.Contains(fact1, result.Stderr);
        Assert.Contains(fact2, result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.DoesNotContain("Exception", result.Stderr);
    }

    [Fact]
    public void Train_rejects_an_unknown_flag_with_usage_exit_code()
    {
        var result = DtrainProcess.Run(TimeSpan.FromSeconds(60), "train", DtrainProcess.Example("mnist-mlp.json"), "--wokers", "2");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown option --wokers", result.Stderr);
    }

    [Fact]
    public void Train_names_the_missing_data_folder_and_files()
    {
        var missing = Path.Combine(_dir, "no-mnist-here");

        var result = DtrainProcess.Run(TimeSpan.FromSeconds(60), "train", DtrainProcess.Example("mnist-mlp.json"), "--data-dir", missing);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(missing, result.Stderr);
        Assert.Contains("train-images-idx3-ubyte", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }
}
