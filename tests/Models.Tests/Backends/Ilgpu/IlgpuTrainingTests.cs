// End to end: the example models trained for a few steps through GraphExecutor on ILGPU's CPU accelerator
// and on the CPU backend, from the same parameters and batches, must report the same losses step by step.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Backends.Ilgpu;
using Dtrain.Models.Graph;
using Dtrain.Models.Optimizers;

namespace Dtrain.Models.Tests.Backends.Ilgpu;

[Collection(IlgpuCollection.Name)]
public sealed class IlgpuTrainingTests(IlgpuAccelerators accelerators)
{
    [Theory]
    [InlineData("mnist-mlp.json", 4, 2)]
    [InlineData("mnist-lenet5.json", 2, 2)]
    public void Example_model_trains_to_the_same_losses_as_on_the_cpu_backend(string file, int batch, int steps)
    {
        var model = ModelCompiler.Load(Path.Combine(RepositoryRoot(), "examples", file));
        using var cpu = new CpuBackend(threads: 1);
        using var device = new IlgpuBackend(accelerators.Cpu, ownsAccelerator: false);

        var expected = Train(model, cpu, batch, steps);
        var actual = Train(model, device, batch, steps);

        for (var step = 0; step < steps; step++)
        {
            Assert.True(Math.Abs(expected[step] - actual[step]) <= 1e-4 * Math.Max(1, Math.Abs(expected[step])),
                $"step {step + 1}: CPU loss {expected[step]}, ILGPU loss {actual[step]}");
        }
    }

    /// <summary>Adam on the host over downloaded gradients, as a parameter shard applies them; returns each step's loss.</summary>
    private static float[] Train(CompiledModel model, IBackend backend, int batch, int steps)
    {
        using var executor = new GraphExecutor(model, backend, batch, training: true);
        var parameters = model.InitialParameters(seed: 7);
        var gradient = new float[model.ParameterCount];
        var (m, v) = (new float[model.ParameterCount], new float[model.ParameterCount]);
        var adam = new Adam(learningRate: 0.01f);
        var rng = new Random(11);
        var features = new float[batch * model.FeatureSize];
        var labels = new float[batch];
        var losses = new float[steps];
        for (var step = 0; step < steps; step++)
        {
            for (var i = 0; i < features.Length; i++)
            {
                features[i] = (float)rng.NextDouble();
            }

            for (var i = 0; i < batch; i++)
            {
                labels[i] = rng.Next(10);
            }

            backend.Upload(parameters, executor.Parameters);
            executor.SetBatch(features, labels, batch);
            executor.Forward();
            losses[step] = executor.ReadLoss();
            executor.Backward();
            backend.Download(executor.Gradients, gradient);
            adam.Apply(parameters, gradient, m, v, step + 1);
        }

        return losses;
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Distributed.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Distributed.sln not found above the test directory");
    }
}
