// A tiny LSTM trained through GraphExecutor learns a sequence task a bag of features cannot shortcut: the sign of a sum.
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Optimizers;
using static Dtrain.Models.Tests.Ops.Recurrent.RecurrentModels;

namespace Dtrain.Models.Tests.Ops.Recurrent;

public sealed class RecurrentLearningTests
{
    private const int Steps = 6;
    private const int Batch = 32;

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void Recurrent_layer_learns_whether_a_sequence_sums_to_a_positive_number(string op)
    {
        var model = Compile(Classifier(Steps, 1, $$$"""
            {"id": "rec", "op": "{{{op}}}", "inputs": ["x"], "attrs": {"units": 8}},
            {"id": "out", "op": "dense", "inputs": ["rec"], "attrs": {"units": 2}}
            """));
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, Batch, seed: 1);
        var adam = new Adam(learningRate: 0.02f);
        var parameters = Download(backend, executor.Parameters);
        var (m, v) = (new float[parameters.Length], new float[parameters.Length]);
        var gradients = new float[parameters.Length];
        var rng = new Random(2);

        for (var step = 1; step <= 300; step++)
        {
            var (x, y) = SignOfSum(rng, Batch);
            executor.SetBatch(x, y, Batch);
            executor.Forward();
            executor.Backward();
            backend.Download(executor.Gradients, gradients);
            adam.Apply(parameters, gradients, m, v, step);
            backend.Upload(parameters, executor.Parameters);
        }

        var correct = 0;
        for (var batch = 0; batch < 16; batch++)
        {
            var (x, y) = SignOfSum(rng, Batch);
            executor.SetBatch(x, y, Batch);
            executor.Forward();
            correct += executor.CountCorrect();
        }

        var accuracy = correct / (16.0 * Batch);
        Assert.True(accuracy >= 0.93, $"{op} reached {accuracy:P1} on held-out sequences");
    }

    /// <summary>Sequences of <see cref="Steps"/> values uniform in [-1, 1]; label 1 when they sum above 0.</summary>
    private static (float[] X, float[] Y) SignOfSum(Random rng, int count)
    {
        var x = new float[count * Steps];
        var y = new float[count];
        for (var e = 0; e < count; e++)
        {
            var sum = 0f;
            for (var t = 0; t < Steps; t++)
            {
                x[(e * Steps) + t] = (float)((rng.NextDouble() * 2) - 1);
                sum += x[(e * Steps) + t];
            }

            y[e] = sum > 0 ? 1f : 0f;
        }

        return (x, y);
    }
}
