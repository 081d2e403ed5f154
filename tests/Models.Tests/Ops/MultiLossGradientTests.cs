// Backward over several losses (a training program's sub-step): the gradient of their sum, against finite differences,
// with two losses sharing an input; a parameter no loss of the pass reaches gets gradient 0.
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;

using static Dtrain.Models.Tests.Ops.LayerGradientCheck;

namespace Dtrain.Models.Tests.Ops;

public sealed class MultiLossGradientTests
{
    private const int Batch = 3;

    // h feeds both losses, so their gradients must add in h's gradient; fc2 reaches only loss b.
    private const string Json = """
        {"inputs": [{"name": "x", "shape": [4]}, {"name": "y", "shape": [], "dtype": "int32"}],
         "nodes": [
           {"id": "h", "op": "dense", "inputs": ["x"], "attrs": {"units": 3, "bias_init": {"type": "uniform", "scale": 0.5}}},
           {"id": "a", "op": "softmax_cross_entropy", "inputs": ["h", "y"]},
           {"id": "t", "op": "tanh", "inputs": ["h"]},
           {"id": "fc2", "op": "dense", "inputs": ["t"], "attrs": {"units": 3}},
           {"id": "b", "op": "softmax_cross_entropy", "inputs": ["fc2", "y"]}
         ],
         "loss": "a"}
        """;

    [Fact]
    public void Gradient_of_two_losses_sharing_an_input_matches_finite_differences_of_their_sum()
    {
        var model = Compile(Json);
        int[] losses = [ValueIndex(model, "a"), ValueIndex(model, "b")];
        var (features, labels) = Examples(model, Batch, seed: 11);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, Batch, seed: 11);
        executor.SetBatch(features, labels, Batch);
        executor.Forward();
        executor.Backward(losses);
        var analytic = Download(backend, executor.Gradients);

        var parameters = Download(backend, executor.Parameters);
        float Loss(float[] values)
        {
            backend.Upload(values, executor.Parameters);
            RunForward(executor);
            return losses.Sum(l => Download(backend, executor.LossOf(l))[0]);
        }

        const float step = 1e-2f;
        for (var i = 0; i < parameters.Length; i++)
        {
            var plus = (float[])parameters.Clone();
            var minus = (float[])parameters.Clone();
            plus[i] += step;
            minus[i] -= step;
            var numeric = (Loss(plus) - Loss(minus)) / (2 * step);
            Assert.True(Math.Abs(numeric - analytic[i]) <= 2e-4 + (1e-2 * Math.Abs(numeric)), $"parameter float {i}: analytic {analytic[i]}, numeric {numeric}");
        }
    }

    [Fact]
    public void A_parameter_the_pass_does_not_reach_gets_gradient_zero_not_the_last_pass_gradient()
    {
        var model = Compile(Json);
        var fc2 = model.Parameters.Where(p => p.Name.StartsWith("fc2.", StringComparison.Ordinal)).ToArray();
        var (features, labels) = Examples(model, Batch, seed: 12);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, Batch, seed: 12);
        executor.SetBatch(features, labels, Batch);
        executor.Forward();
        executor.Backward([ValueIndex(model, "b")]);
        Assert.Contains(Download(backend, executor.Gradients).AsSpan(fc2[0].Offset, fc2[0].Size).ToArray(), g => g != 0);

        executor.Forward();
        executor.Backward([ValueIndex(model, "a")]);

        var gradients = Download(backend, executor.Gradients);
        Assert.All(fc2, p => Assert.All(gradients.AsSpan(p.Offset, p.Size).ToArray(), g => Assert.Equal(0f, g)));
    }

    [Fact]
    public void Backward_over_the_model_loss_alone_equals_the_v1_backward()
    {
        var model = Compile(Json);
        var (features, labels) = Examples(model, Batch, seed: 13);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, Batch, seed: 13);
        executor.SetBatch(features, labels, Batch);
        executor.Forward();

        executor.Backward();
        var v1 = Download(backend, executor.Gradients);
        executor.Backward([model.LossValue]);
        var listed = Download(backend, executor.Gradients);

        Assert.Equal(v1, listed);
    }

    [Fact]
    public void Forward_over_a_step_losses_runs_only_their_ancestors_and_gives_the_same_losses_and_gradients()
    {
        var model = Compile(Json);
        int[] onlyA = [ValueIndex(model, "a")];
        var (features, labels) = Examples(model, Batch, seed: 14);
        using var backend = new CpuBackend(threads: 1);
        using var full = Executor(model, backend, Batch, seed: 14);
        using var pruned = Executor(model, backend, Batch, seed: 14);
        foreach (var executor in new[] { full, pruned })
        {
            executor.SetBatch(features, labels, Batch);
        }

        full.Forward();
        full.Backward(onlyA);
        pruned.Forward(onlyA);
        pruned.Backward(onlyA);

        // fc2 and b lie behind loss a's branch point, so the pruned pass never wrote b: it is still zero.
        Assert.Equal(Download(backend, full.LossOf(onlyA[0])), Download(backend, pruned.LossOf(onlyA[0])));
        Assert.Equal(Download(backend, full.Gradients), Download(backend, pruned.Gradients));
        Assert.NotEqual(0f, Download(backend, full.LossOf(ValueIndex(model, "b")))[0]);
        Assert.Equal(0f, Download(backend, pruned.LossOf(ValueIndex(model, "b")))[0]);
    }
}
