// The MLP and LeNet-5 examples fuse their ReLUs into the layers before them: dtrain check shows the op with its activation.
namespace Dtrain.Cli.Tests;

public sealed class FusedExampleTests
{
    [Theory]
    [InlineData("mnist-mlp.json", "fc1     dense+relu", "4 nodes, 535,818 parameters")]
    [InlineData("mnist-lenet5.json", "conv1   conv2d+relu", "9 nodes, 61,706 parameters")]
    public void Check_shows_each_fused_activation_with_its_layer(string example, string row, string summary)
    {
        var result = DtrainProcess.Run(TimeSpan.FromSeconds(60), "check", DtrainProcess.Example(example));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(summary, result.Stdout);
        Assert.Contains(row, result.Stdout);
        Assert.DoesNotContain(" relu ", result.Stdout);
    }
}
