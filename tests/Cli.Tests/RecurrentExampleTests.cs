// The recurrent examples ship valid: dtrain check reads MNIST's 784 floats as 28 rows of 28 and prints the layer shapes.
namespace Dtrain.Cli.Tests;

public sealed class RecurrentExampleTests
{
    [Theory]
    [InlineData("mnist-lstm.json", "lstm.recurrent_weight 128x512")]
    [InlineData("mnist-gru.json", "gru.recurrent_weight 128x384")]
    public void Recurrent_example_is_valid_and_reads_images_row_by_row(string example, string recurrentWeight)
    {
        var result = DtrainProcess.Run(TimeSpan.FromSeconds(60), "check", DtrainProcess.Example(example));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("is valid", result.Stdout);
        Assert.Contains(recurrentWeight, result.Stdout);
        Assert.Contains("(batch, 128)", result.Stdout);
    }
}
