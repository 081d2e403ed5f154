// Finite-difference gradient checking for the layer library's tests. Unlike GraphExecutor.Forward, every forward
// pass here runs the nodes without advancing the executor's step, so dropout draws the same mask on every pass.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Tests.Ops;

/// <summary>Builds small models around an op, runs them on the CPU backend, and compares backward with central differences.</summary>
internal static class LayerGradientCheck
{
    // Float losses near 1 carry ~1e-7 of rounding; over a step of 2e-2 that is ~1e-5, and the O(eps^2)
    // truncation error of the central difference is of the same order for these smooth functions.
    private const float Step = 1e-2f;
    private const double RelativeTolerance = 1e-2;
    private const double AbsoluteTolerance = 2e-4;

    /// <summary>Draws one feature (default: uniform in [-1, 1]).</summary>
    public delegate float Draw(Random rng);

    public static CompiledModel Compile(string json) => ModelCompiler.Compile(ModelParser.Parse(json, "check.json"));

    /// <summary>Features from <paramref name="feature"/>; labels class ids for an int32 label input, else from <paramref name="label"/>.</summary>
    public static (float[] Features, float[] Labels) Examples(CompiledModel model, int batch, int seed, Draw? feature = null, Draw? label = null)
    {
        var rng = new Random(seed);
        feature ??= Uniform;
        label ??= Uniform;
        var features = Enumerable.Range(0, batch * model.FeatureSize).Select(_ => feature(rng)).ToArray();
        var labelInput = model.Spec.Inputs.Single(i => i.Source == InputSource.Labels);
        var labels = labelInput.DType == DType.Int32
            ? Enumerable.Range(0, batch).Select(_ => (float)rng.Next(model.Values[model.OutputValue].Type.Size)).ToArray()
            : Enumerable.Range(0, batch * model.LabelSize).Select(_ => label(rng)).ToArray();
        return (features, labels);
    }

    public static float Uniform(Random rng) => (float)((rng.NextDouble() * 2) - 1);

    public static GraphExecutor Executor(CompiledModel model, CpuBackend backend, int maxBatch, int seed, bool training = true)
    {
        var executor = new GraphExecutor(model, backend, maxBatch, training);
        backend.Upload(model.InitialParameters(seed), executor.Parameters);
        return executor;
    }

    public static float[] Download(CpuBackend backend, Tensor tensor)
    {
        var host = new float[tensor.Length];
        backend.Download(tensor, host);
        return host;
    }

    public static int ValueIndex(CompiledModel model, string name) =>
        model.Values.Select((v, i) => (v, i)).Single(p => p.v.Name == name).i;

    /// <summary>Runs every node forward at the executor's current step (its random streams do not advance).</summary>
    public static void RunForward(GraphExecutor executor) => RunFrom(executor, 0);

    /// <summary>Value <paramref name="name"/> after one forward pass.</summary>
    public static float[] ForwardValue(string json, int seed, string name, int batch = 3, Draw? feature = null)
    {
        var model = Compile(json);
        var (features, labels) = Examples(model, batch, seed, feature);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, batch, seed);
        executor.SetBatch(features, labels, batch);
        RunForward(executor);
        return Download(backend, executor.Value(ValueIndex(model, name)));
    }

    /// <summary>
    /// The first seed whose values of node <paramref name="name"/> all sit at least two steps from 0, with both
    /// signs present: finite differences are meaningless across a kink at 0, and no nudge of a weight (inputs lie
    /// in [-1, 1]), a bias or the value itself moves a value by more than one step.
    /// </summary>
    public static int SeedAwayFromKink(string json, string name, int batch = 3) => SeedAwayFromKink(json, [name], batch);

    /// <summary>As <see cref="SeedAwayFromKink(string, string, int)"/>, for the values of every node in <paramref name="names"/>.</summary>
    public static int SeedAwayFromKink(string json, IReadOnlyList<string> names, int batch = 3) =>
        Enumerable.Range(0, 1000).First(s => names.All(name =>
        {
            var z = ForwardValue(json, s, name, batch);
            return z.Min(MathF.Abs) > 2 * Step && z.Any(v => v < 0) && z.Any(v => v > 0);
        }));

    /// <summary>
    /// Checks d(loss)/d(parameter) for every trainable parameter element and d(loss)/d(value) for every element of
    /// every intermediate value the loss depends on, against central differences.
    /// </summary>
    public static void AssertGradientsMatchFiniteDifferences(string json, int seed, int batch = 3, Draw? feature = null, Draw? label = null)
    {
        var model = Compile(json);
        var (features, labels) = Examples(model, batch, seed, feature, label);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, batch, seed);
        executor.SetBatch(features, labels, batch);
        var theta = Download(backend, executor.Parameters);
        RunForward(executor);
        executor.Backward();

        var parameterGradients = Download(backend, executor.Gradients);
        foreach (var p in model.Parameters.Where(p => p.Spec.Trainable))
        {
            for (var i = p.Offset; i < p.Offset + p.Size; i++)
            {
                var numeric = CentralDifference(delta =>
                {
                    var nudged = (float[])theta.Clone();
                    nudged[i] += delta;
                    backend.Upload(nudged, executor.Parameters);
                    RunForward(executor);
                    return executor.ReadLoss();
                });
                AssertClose(parameterGradients[i], numeric, $"{p.Name}[{i - p.Offset}]");
            }
        }

        backend.Upload(theta, executor.Parameters);
        var checkedValues = 0;
        for (var v = 0; v < model.Values.Count; v++)
        {
            var info = model.Values[v];
            if (info.Producer < 0 || v == model.LossValue || !info.RequiresGradient)
            {
                continue;
            }

            var analytic = Download(backend, executor.Gradient(v));
            for (var e = 0; e < analytic.Length; e++)
            {
                var numeric = CentralDifference(delta =>
                {
                    RunForward(executor);
                    CpuBackend.Span(executor.Value(v))[e] += delta;
                    RunFrom(executor, info.Producer + 1);
                    return executor.ReadLoss();
                });
                AssertClose(analytic[e], numeric, $"d loss / d {info.Name}[{e}]");
            }

            checkedValues++;
        }

        Assert.True(checkedValues > 0, "no intermediate value was checked");
    }

    private static void RunFrom(GraphExecutor executor, int first)
    {
        var nodes = executor.Model.Nodes;
        for (var n = first; n < nodes.Count; n++)
        {
            nodes[n].Op.Forward(new OpRun(executor, nodes[n]));
        }
    }

    private static double CentralDifference(Func<float, float> loss) =>
        ((double)loss(Step) - loss(-Step)) / (2.0 * Step);

    private static void AssertClose(float analytic, double numeric, string what)
    {
        var tolerance = AbsoluteTolerance + (RelativeTolerance * Math.Max(Math.Abs(analytic), Math.Abs(numeric)));
        Assert.True(Math.Abs(analytic - numeric) <= tolerance, $"{what}: backward gives {analytic:G6}, finite differences {numeric:G6}");
    }
}
