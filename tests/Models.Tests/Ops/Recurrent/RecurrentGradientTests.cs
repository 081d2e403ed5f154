// Backpropagation through time of rnn, lstm and gru, checked against central finite differences of the loss for
// every parameter and every element of every intermediate value, including a recurrent layer's input gradient.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends.Cpu;
using static Dtrain.Models.Tests.Ops.Recurrent.RecurrentModels;

namespace Dtrain.Models.Tests.Ops.Recurrent;

public sealed class RecurrentGradientTests
{
    private const int Batch = 2;
    private const int Steps = 3;
    private const int Features = 4;

    // As in GradientCheckTests: float rounding over a step of 2e-2 and the central difference's truncation
    // error are both ~1e-5 for these smooth functions.
    private const float Step = 1e-2f;
    private const double RelativeTolerance = 1e-2;
    private const double AbsoluteTolerance = 2e-4;

    public static TheoryData<string, int> OpsAndWidths => new()
    {
        // 5 units run the scalar lanes only; 19 run a full vector (16 or 2 x 8 lanes) and a scalar tail of 3.
        { "rnn", 5 }, { "rnn", 19 },
        { "lstm", 5 }, { "lstm", 19 },
        { "gru", 5 }, { "gru", 19 },
    };

    [Theory]
    [MemberData(nameof(OpsAndWidths))]
    public void Recurrent_gradient_matches_finite_differences(string op, int units) =>
        AssertGradientsMatchFiniteDifferences(Stacked(op, Steps, Features, units, lastUnits: 5), seed: units);

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void Backward_with_accumulate_adds_recurrent_gradients_to_the_previous_ones(string op)
    {
        var model = Compile(Stacked(op, Steps, Features, units: 7, lastUnits: 5));
        var (features, labels) = Examples(model, Batch, seed: 3);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, Batch, seed: 3);
        executor.SetBatch(features, labels, Batch);

        executor.Forward();
        executor.Backward();
        var once = Download(backend, executor.Gradients);
        executor.Forward();
        executor.Backward(accumulate: true);
        var twice = Download(backend, executor.Gradients);

        Assert.Contains(once, g => g != 0f);
        for (var i = 0; i < once.Length; i++)
        {
            Assert.Equal(2 * once[i], twice[i], 1e-6f);
        }
    }

    [Theory]
    [InlineData("rnn")]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void Smaller_batch_gives_the_recurrent_gradient_of_an_executor_built_for_that_batch(string op)
    {
        // The per-step views stride over whole examples, so a prefix batch must not read stale rows of the larger one.
        var model = Compile(Stacked(op, Steps, Features, units: 19, lastUnits: 5));
        var (features, labels) = Examples(model, 8, seed: 4);
        using var backend = new CpuBackend(threads: 1);
        using var large = Executor(model, backend, maxBatch: 8, seed: 4);
        using var exact = Executor(model, backend, maxBatch: 3, seed: 4);

        large.SetBatch(features, labels, 8);
        large.Forward();
        large.Backward();
        large.SetBatch(features, labels, 3);
        large.Forward();
        large.Backward();
        exact.SetBatch(features, labels, 3);
        exact.Forward();
        exact.Backward();

        Assert.Equal(exact.ReadLoss(), large.ReadLoss(), 1e-6f);
        var expected = Download(backend, exact.Gradients);
        var actual = Download(backend, large.Gradients);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-6f);
        }
    }

    private static void AssertGradientsMatchFiniteDifferences(string json, int seed)
    {
        var model = Compile(json);
        var (features, labels) = Examples(model, Batch, seed);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, Batch, seed);
        executor.SetBatch(features, labels, Batch);
        var theta = Download(backend, executor.Parameters);
        executor.Forward();
        executor.Backward();

        var parameterGradients = Download(backend, executor.Gradients);
        foreach (var p in model.Parameters)
        {
            for (var i = p.Offset; i < p.Offset + p.Size; i++)
            {
                var numeric = CentralDifference(delta =>
                {
                    var nudged = (float[])theta.Clone();
                    nudged[i] += delta;
                    backend.Upload(nudged, executor.Parameters);
                    executor.Forward();
                    return executor.ReadLoss();
                });
                AssertClose(parameterGradients[i], numeric, $"{p.Name}[{i - p.Offset}]");
            }
        }

        backend.Upload(theta, executor.Parameters);
        var checkedValues = new List<string>();
        for (var v = 0; v < model.Values.Count; v++)
        {
            var info = model.Values[v];
            if (info.Producer < 0 || v == model.LossValue || !info.RequiresGradient)
            {
                continue;
            }

            executor.Forward();
            executor.Backward();
            var analytic = Download(backend, executor.Gradient(v));
            for (var e = 0; e < analytic.Length; e++)
            {
                var numeric = CentralDifference(delta => LossWithValueNudged(executor, v, e, delta));
                AssertClose(analytic[e], numeric, $"d loss / d {info.Name}[{e}]");
            }

            checkedValues.Add(info.Name);
        }

        // "seq" is the upper layer's input: its gradient is that layer's dx.
        Assert.Contains("seq", checkedValues);
    }

    /// <summary>Runs forward, adds <paramref name="delta"/> to one element of value <paramref name="v"/>, and re-runs every later node.</summary>
    private static float LossWithValueNudged(GraphExecutor executor, int v, int element, float delta)
    {
        executor.Forward();
        CpuBackend.Span(executor.Value(v))[element] += delta;
        var nodes = executor.Model.Nodes;
        for (var n = executor.Model.Values[v].Producer + 1; n < nodes.Count; n++)
        {
            nodes[n].Op.Forward(new OpRun(executor, nodes[n]));
        }

        return executor.ReadLoss();
    }

    private static double CentralDifference(Func<float, float> loss) =>
        ((double)loss(Step) - loss(-Step)) / (2.0 * Step);

    private static void AssertClose(float analytic, double numeric, string what)
    {
        var tolerance = AbsoluteTolerance + (RelativeTolerance * Math.Max(Math.Abs(analytic), Math.Abs(numeric)));
        Assert.True(Math.Abs(analytic - numeric) <= tolerance, $"{what}: backward gives {analytic:G6}, finite differences {numeric:G6}");
    }
}
