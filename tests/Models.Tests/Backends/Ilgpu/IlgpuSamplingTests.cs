// The sampling ops through GraphExecutor on ILGPU's CPU accelerator and on the CPU backend: with the same
// executor seed and step, bernoulli units and Gaussian noise must be the same bits on both.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Backends.Ilgpu;
using static Dtrain.Models.Tests.Ops.LayerGradientCheck;

namespace Dtrain.Models.Tests.Backends.Ilgpu;

[Collection(IlgpuCollection.Name)]
public sealed class IlgpuSamplingTests(IlgpuAccelerators accelerators)
{
    [Fact]
    public void Sampling_ops_draw_the_same_bits_as_on_the_cpu_backend_at_every_step()
    {
        using var cpu = new CpuBackend(threads: 1);
        using var device = new IlgpuBackend(accelerators.Cpu, ownsAccelerator: false);

        var expected = Draws(cpu);
        var actual = Draws(device);

        for (var step = 0; step < expected.Count; step++)
        {
            Assert.Equal(expected[step].Units, actual[step].Units);
            Assert.Equal(expected[step].Noise, actual[step].Noise);
        }

        Assert.NotEqual(expected[0].Noise, expected[1].Noise);
    }

    /// <summary>The bernoulli units and noise of three forward passes, seed 21.</summary>
    private static List<(float[] Units, float[] Noise)> Draws(IBackend backend)
    {
        var model = Compile(Ops.SamplingOpTests.Json);
        var (features, labels) = Examples(model, 5, seed: 4);
        using var executor = new GraphExecutor(model, backend, 5, training: true) { Seed = 21 };
        backend.Upload(model.InitialParameters(4), executor.Parameters);
        executor.SetBatch(features, labels, 5);
        var draws = new List<(float[], float[])>();
        for (var step = 0; step < 3; step++)
        {
            executor.Forward();
            draws.Add((Read(backend, executor.Value(ValueIndex(model, "s"))), Read(backend, executor.Value(ValueIndex(model, "z")))));
        }

        return draws;
    }

    private static float[] Read(IBackend backend, Dtrain.Models.Tensors.Tensor t)
    {
        var host = new float[t.Length];
        backend.Download(t, host);
        return host;
    }
}
