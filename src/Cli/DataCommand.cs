// dtrain data: makes sure MNIST is on disk (fetching it into the cache if needed) and prints its folder.
using Dtrain.Models.Data;

namespace Dtrain.Cli;

/// <summary>The <c>data</c> subcommand.</summary>
public static class DataCommand
{
    /// <summary>Runs the command; the folder is the last line printed.</summary>
    public static int Run(CommandLine cl)
    {
        var dataDir = cl.String("--data-dir");
        cl.RejectUnknown();
        var folder = Mnist.Ensure(dataDir, Console.Out);
        var (train, test) = Mnist.Load(folder);
        Console.WriteLine($"MNIST: {train.Count:N0} training and {test.Count:N0} test examples of {train.FeatureSize} features");
        Console.WriteLine(folder);
        return 0;
    }
}
