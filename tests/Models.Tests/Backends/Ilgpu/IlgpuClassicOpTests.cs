// The ops of issue 17 in small models (the learning-rule losses rbm, hopfield and perceptron; a DCGAN-like generator
// of normal, conv2d_transpose and fill) through GraphExecutor on ILGPU's CPU accelerator and on the CPU backend, from
// the same parameters, batch and executor seed: the same losses and parameter gradients.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Backends.Ilgpu;
using Dtrain.Models.Graph;
using static Dtrain.Models.Tests.Ops.LayerGradientCheck;

namespace Dtrain.Models.Tests.Backends.Ilgpu;

[Collection(IlgpuCollection.Name)]
public sealed class IlgpuClassicOpTests(IlgpuAccelerators accelerators)
{
    private const int Batch = 6;

    public static TheoryData<string> Models() => new()
    {
        Ops.RbmTests.Json(k: 2),
        """
        {"inputs": [{"name": "s", "shape": [12]}, {"name": "unused", "shape": [1], "dtype": "float32", "source": "labels"}],
         "nodes": [{"id": "w", "op": "parameter", "attrs": {"shape": [12, 12], "init": {"type": "uniform", "scale": 0.2} } },
                   {"id": "signs", "op": "sign", "inputs": ["s"], "attrs": {"threshold": 0.5} },
                   {"id": "energy", "op": "hopfield", "inputs": ["signs", "w"]}],
         "loss": "energy"}
        """,
        """
        {"inputs": [{"name": "x", "shape": [5]}, {"name": "t", "shape": [3], "dtype": "float32", "source": "labels"}],
         "nodes": [{"id": "fc", "op": "dense", "inputs": ["x"], "attrs": {"units": 3} },
                   {"id": "t01", "op": "step", "inputs": ["t"]},
                   {"id": "loss", "op": "perceptron", "inputs": ["fc", "t01"]}],
         "loss": "loss"}
        """,
        """
        {"inputs": [{"name": "x", "shape": [2]}, {"name": "unused", "shape": [1], "dtype": "float32", "source": "labels"}],
         "nodes": [{"id": "z", "op": "normal", "inputs": ["x"], "attrs": {"shape": [4]} },
                   {"id": "fc", "op": "dense", "inputs": ["z"], "attrs": {"units": 18, "activation": "relu", "bias_init": {"type": "uniform", "scale": 0.3} } },
                   {"id": "map", "op": "reshape", "inputs": ["fc"], "attrs": {"shape": [2, 3, 3]} },
                   {"id": "up", "op": "conv2d_transpose", "inputs": ["map"], "attrs": {"filters": 2, "kernel": 4, "stride": 2, "padding": 1, "bias_init": {"type": "uniform", "scale": 0.3} } },
                   {"id": "img", "op": "flatten", "inputs": ["up"]},
                   {"id": "ones", "op": "fill", "inputs": ["img"], "attrs": {"value": 1} },
                   {"id": "loss", "op": "binary_cross_entropy", "inputs": ["img", "ones"]}],
         "loss": "loss"}
        """,
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void New_op_gives_the_same_loss_and_gradients_as_on_the_cpu_backend(string json)
    {
        var model = Compile(json);
        using var cpu = new CpuBackend(threads: 1);
        using var device = new IlgpuBackend(accelerators.Cpu, ownsAccelerator: false);

        var (expectedLoss, expected) = Step(model, cpu);
        var (actualLoss, actual) = Step(model, device);

        Assert.Equal(expectedLoss, actualLoss, 1e-5f);
        Assert.Contains(expected, g => g != 0f);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f, $"gradient[{i}]: CPU {expected[i]}, ILGPU {actual[i]}");
        }
    }

    /// <summary>Two steps from the same start (the second with the executor's next samples); the second's loss and gradients.</summary>
    private static (float Loss, float[] Gradients) Step(CompiledModel model, IBackend backend)
    {
        var (features, labels) = Examples(model, Batch, seed: 12, feature: rng => (float)rng.NextDouble());
        using var executor = new GraphExecutor(model, backend, Batch, training: true) { Seed = 31 };
        backend.Upload(model.InitialParameters(12), executor.Parameters);
        executor.SetBatch(features, labels, Batch);
        executor.Forward();
        executor.Forward();
        var loss = executor.ReadLoss();
        executor.Backward();
        var gradients = new float[model.ParameterCount];
        backend.Download(executor.Gradients, gradients);
        return (loss, gradients);
    }
}
