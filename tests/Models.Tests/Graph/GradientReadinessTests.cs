// GradientReadiness: every group is reported once per backward, and when it is reported its gradients already
// hold their final values, for the example models (dense layers, parameter nodes, convolutions, batch norm).
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;

namespace Dtrain.Models.Tests.Graph;

public sealed class GradientReadinessTests
{
    [Theory]
    [InlineData("mnist-mlp.json")]
    [InlineData("mnist-custom-layer.json")]
    [InlineData("mnist-lenet5.json")]
    [InlineData("mnist-bn-dropout.json")]
    public void Each_parameter_is_reported_once_and_only_after_its_gradient_is_final(string file)
    {
        var model = ModelCompiler.Compile(ModelParser.Parse(File.ReadAllText(Path.Combine(Examples, file)), file));
        using var backend = new CpuBackend(1);
        using var executor = new GraphExecutor(model, backend, 4, training: true);
        backend.Upload(model.InitialParameters(11), executor.Parameters);
        var rng = new Random(3);
        var features = Enumerable.Range(0, 4 * model.FeatureSize).Select(_ => (float)rng.NextDouble()).ToArray();
        executor.SetBatch(features, [1f, 7f, 3f, 9f], 4);

        // One group per parameter: the finest grain a shard's chunks can have.
        var groups = model.Parameters.Select(p => (IReadOnlyList<(int, int)>)[(p.Offset, p.Size)]).ToArray();
        var seen = new float[model.Parameters.Count][];
        var order = new List<int>();
        var readiness = new GradientReadiness(model, groups, g =>
        {
            order.Add(g);
            var p = model.Parameters[g];
            seen[g] = new float[p.Size];
            backend.Download(executor.Gradients.Slice(p.Offset, p.Size), seen[g]);
        });

        executor.Forward();
        executor.Backward(readiness: readiness);

        Assert.Equal(Enumerable.Range(0, model.Parameters.Count), order.Order());
        foreach (var p in model.Parameters)
        {
            var final = new float[p.Size];
            backend.Download(executor.Gradients.Slice(p.Offset, p.Size), final);
            Assert.True(final.AsSpan().SequenceEqual(seen[p.Index]), $"{file}: {p.Name} was reported before backward had finished it");
        }

        // Later layers finish first: the first reported parameter belongs to the last node that has one.
        Assert.Contains(order[0], model.Nodes.Last(n => n.Parameters.Length > 0).Parameters);
    }

    [Fact]
    public void A_group_without_ranges_is_reported_when_backward_starts_and_none_twice()
    {
        var model = ModelCompiler.Compile(ModelParser.Parse(File.ReadAllText(Path.Combine(Examples, "mnist-mlp.json")), "mnist-mlp.json"));
        using var backend = new CpuBackend(1);
        using var executor = new GraphExecutor(model, backend, 2, training: true);
        executor.SetBatch(new float[2 * model.FeatureSize], [0f, 1f], 2);
        var reports = new List<int>();
        var readiness = new GradientReadiness(model, [[], [(0, model.ParameterCount)]], reports.Add);

        executor.Forward();
        executor.Backward(readiness: readiness);
        executor.Forward();
        executor.Backward(readiness: readiness);

        Assert.Equal([0, 1, 0, 1], reports);
        Assert.Equal(int.MaxValue, readiness.FinalAfter(0));
    }

    private static string Examples
    {
        get
        {
            var dir = AppContext.BaseDirectory;
            while (!Directory.Exists(Path.Combine(dir, "examples")))
            {
                dir = Path.GetDirectoryName(dir) ?? throw new DirectoryNotFoundException("examples/ not found above the test binaries");
            }

            return Path.Combine(dir, "examples");
        }
    }
}
