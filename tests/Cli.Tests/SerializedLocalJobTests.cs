// Single-process training with serialize-messages on: real MNIST-sized payloads survive MessagePack.
using Dtrain.Coordinator;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;

namespace Dtrain.Cli.Tests;

public sealed class SerializedLocalJobTests
{
    [Fact]
    public async Task Local_job_trains_mnist_mlp_with_every_message_serialized()
    {
        var file = DtrainProcess.Example("mnist-mlp.json");
        var model = ModelCompiler.Load(file);
        var settings = model.Spec.Training with { Epochs = 1, Workers = 2, PsShards = 2 };
        var (train, test) = Mnist.Load(DtrainProcess.MnistDir());
        var epochs = new List<Protocol.CoordinatorProtocol.EpochCompleted>();

        var result = await LocalJob.RunAsync(new JobSpec("serialized", file, File.ReadAllText(file), model, settings), train, test, epochs.Add, serializeMessages: true);

        Assert.Single(epochs);
        Assert.True(result.TestAccuracy >= 0.95, $"accuracy {result.TestAccuracy}");
        Assert.Equal(2, result.Shards.Length);
        Assert.All(result.Shards, s => Assert.Equal(0, s.PushesRejected));
        Assert.Equal(epochs[0].Steps, result.Shards[0].PushesApplied);
    }
}
