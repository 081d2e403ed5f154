// bernoulli and normal in a graph: seeded by the executor like dropout (repeat for a seed and step, change with
// either), sampling in evaluation too, and the straight-through gradient of bernoulli.
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using static Dtrain.Models.Tests.Ops.LayerGradientCheck;

namespace Dtrain.Models.Tests.Ops;

public sealed class SamplingOpTests
{
    private const int Batch = 4;

    /// <summary>p = sigmoid units, s = bernoulli(p) passing dy straight through, z = N(0.5, 2^2) of shape (2, 3); out = s + z.</summary>
    internal const string Json = """
        {"inputs": [{"name": "x", "shape": [4]}, {"name": "t", "shape": [6], "dtype": "float32", "source": "labels"}],
         "nodes": [{"id": "p", "op": "dense", "inputs": ["x"], "attrs": {"units": 6, "activation": "sigmoid"} },
                   {"id": "s", "op": "bernoulli", "inputs": ["p"], "attrs": {"gradient": "straight_through"} },
                   {"id": "z3", "op": "normal", "inputs": ["x"], "attrs": {"shape": [2, 3], "mean": 0.5, "std": 2} },
                   {"id": "z", "op": "flatten", "inputs": ["z3"]},
                   {"id": "out", "op": "add", "inputs": ["s", "z"]},
                   {"id": "loss", "op": "mse", "inputs": ["out", "t"]}],
         "loss": "loss"}
        """;

    private static readonly CompiledModel Model = Compile(Json);

    [Fact]
    public void Samples_repeat_for_the_same_seed_and_step_and_change_with_either()
    {
        var first = Sample(executorSeed: 11, steps: 1);
        var again = Sample(executorSeed: 11, steps: 1);
        var otherSeed = Sample(executorSeed: 12, steps: 1);
        var nextStep = Sample(executorSeed: 11, steps: 2);

        Assert.Equal(first.Units, again.Units);
        Assert.Equal(first.Noise, again.Noise);
        Assert.NotEqual(first.Noise, otherSeed.Noise);
        Assert.NotEqual(first.Noise, nextStep.Noise);
        Assert.NotEqual(first.Units, nextStep.Units);
    }

    [Fact]
    public void Sampling_ops_draw_in_evaluation_too()
    {
        var training = Sample(executorSeed: 3, steps: 1);
        var evaluation = Sample(executorSeed: 3, steps: 1, training: false);

        Assert.Equal(training.Units, evaluation.Units);
        Assert.Equal(training.Noise, evaluation.Noise);
        Assert.Contains(evaluation.Noise, v => v != 0f);
    }

    [Fact]
    public void Normal_yields_its_shape_per_example_and_bernoulli_yields_binary_units()
    {
        var (units, noise) = Sample(executorSeed: 5, steps: 1);

        Assert.Equal(Batch * 6, noise.Length);
        Assert.Equal(Batch * 6, units.Length);
        Assert.All(units, v => Assert.True(v is 0f or 1f));
        var type = Model.Values[ValueIndex(Model, "z3")].Type;
        Assert.Equal([2, 3], type.Dims);
        Assert.True(type.Batched);
    }

    [Fact]
    public void Bernoulli_straight_through_gradient_passes_dy_to_the_probabilities()
    {
        var (features, labels) = Examples(Model, Batch, seed: 2);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(Model, backend, Batch, seed: 2);
        executor.SetBatch(features, labels, Batch);
        executor.Forward();
        executor.Backward();

        var ds = Download(backend, executor.Gradient(ValueIndex(Model, "s")));
        var dp = Download(backend, executor.Gradient(ValueIndex(Model, "p")));

        Assert.Equal(ds, dp);
        Assert.Contains(dp, v => v != 0f);
    }

    [Theory]
    [InlineData("""{"id": "bad", "op": "normal", "inputs": ["x"]}""", "missing required attribute 'shape'")]
    [InlineData("""{"id": "bad", "op": "normal", "inputs": ["x"], "attrs": {"shape": [3], "std": -1}}""", "attribute 'std' must be a number in [0, ")]
    [InlineData("""{"id": "bad", "op": "bernoulli", "inputs": ["x"], "attrs": {"gradient": "yes"}}""", "attribute 'gradient' must be one of none, straight_through")]
    public void Sampling_op_error_names_the_node_and_the_problem(string node, string problem)
    {
        var json = $$"""
            {"inputs": [{"name": "x", "shape": [4]}, {"name": "y", "shape": [], "dtype": "int32"}],
             "nodes": [{{node}},
                       {"id": "fc", "op": "dense", "inputs": ["x"], "attrs": {"units": 2} },
                       {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc", "y"]}],
             "loss": "loss"}
            """;

        var error = Assert.Throws<ModelFileException>(() => ModelCompiler.Compile(ModelParser.Parse(json, "sampling.json")));

        Assert.Equal("bad", error.Node);
        Assert.Contains(problem, error.Problem);
    }

    /// <summary>The bernoulli units and the noise after <paramref name="steps"/> forward passes.</summary>
    private static (float[] Units, float[] Noise) Sample(ulong executorSeed, int steps, bool training = true)
    {
        var (features, labels) = Examples(Model, Batch, seed: 1);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(Model, backend, Batch, seed: 1, training);
        executor.Seed = executorSeed;
        executor.SetBatch(features, labels, Batch);
        for (var s = 0; s < steps; s++)
        {
            executor.Forward();
        }

        return (Download(backend, executor.Value(ValueIndex(Model, "s"))), Download(backend, executor.Value(ValueIndex(Model, "z"))));
    }
}
