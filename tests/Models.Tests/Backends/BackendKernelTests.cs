// The kernel contract of IBackend, written once against Upload/Download so every backend runs the same checks;
// each test compares a kernel with a scalar loop or a hand computation. Tensors sit between guard floats.
using Dtrain.Models.Backends;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Tests.Backends;

public abstract class BackendKernelTests : IDisposable
{
    private const int Guard = 3;
    private const float Sentinel = -12345f;
    private readonly List<Tensor> _tensors = [];

    protected BackendKernelTests(IBackend backend)
    {
        Backend = backend;
    }

    protected IBackend Backend { get; }

    public void Dispose() => Backend.Dispose();

    [Fact]
    public void SoftmaxCrossEntropy_loss_matches_a_hand_computation()
    {
        // Row 0: log(e^1 + e^2 + e^3) - 3 = log(1 + e^-1 + e^-2) = 0.407606. Row 1: log 3 = 1.098612.
        var logits = Put(1f, 2f, 3f, 0f, 0f, 0f);
        var labels = Put(2f, 1f);
        var loss = Put(0f);

        Backend.SoftmaxCrossEntropy(logits, labels, 2, 3, loss, null, false);

        Assert.Equal((0.40760596 + 1.09861229) / 2, Get(loss)[0], 1e-6);
        AssertGuardsIntact();
    }

    [Fact]
    public void SoftmaxCrossEntropy_gradient_is_softmax_minus_onehot_over_rows()
    {
        var logits = Put(1f, 2f, 3f, 0f, 0f, 0f);
        var labels = Put(2f, 1f);
        var dlogits = Put(1f, 1f, 1f, 1f, 1f, 1f);
        var total = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        double[] softmax = [Math.Exp(1) / total, Math.Exp(2) / total, Math.Exp(3) / total, 1 / 3.0, 1 / 3.0, 1 / 3.0];
        double[] onehot = [0, 0, 1, 0, 1, 0];

        Backend.SoftmaxCrossEntropy(logits, labels, 2, 3, Put(0f), dlogits, accumulate: true);

        var got = Get(dlogits);
        for (var i = 0; i < 6; i++)
        {
            // accumulate: true adds to the ones already there.
            Assert.Equal(1 + ((softmax[i] - onehot[i]) / 2), got[i], 1e-6);
        }

        AssertGuardsIntact();
    }

    [Fact]
    public void SoftmaxCrossEntropy_stays_finite_for_huge_logits()
    {
        var loss = Put(0f);
        var dlogits = Put(0f, 0f);

        Backend.SoftmaxCrossEntropy(Put(1000f, 1001f), Put(0f), 1, 2, loss, dlogits, false);

        // log(e^1000 + e^1001) - 1000 = 1 + log(1 + e^-1).
        Assert.Equal(1 + Math.Log(1 + Math.Exp(-1)), Get(loss)[0], 1e-4);
        Assert.All(Get(dlogits), g => Assert.True(float.IsFinite(g)));
    }

    [Theory]
    [InlineData(3f)]
    [InlineData(-1f)]
    [InlineData(1.5f)]
    public void SoftmaxCrossEntropy_rejects_a_label_that_is_not_a_class_naming_the_row(float label)
    {
        var logits = Put(0f, 0f, 0f, 0f, 0f, 0f);

        var loss = Put(0f);

        // A device backend reports the bad label when the step next reads from it, so the check reads the loss.
        var error = Assert.Throws<DtrainException>(() =>
        {
            Backend.SoftmaxCrossEntropy(logits, Put(0f, label), 2, 3, loss, null, false);
            Get(loss);
        });

        Assert.Contains("row 1", error.Message);
        Assert.Contains("[0, 3)", error.Message);
    }

    [Fact]
    public void MeanSquaredError_matches_a_hand_computation()
    {
        var loss = Put(0f);
        var dprediction = Put(0f, 0f, 0f);

        Backend.MeanSquaredError(Put(1f, 2f, 3f), Put(0f, 2f, 5f), 3, loss, dprediction, false);

        // Differences 1, 0, -2: loss (1 + 0 + 4) / 3; gradient 2 * diff / 3.
        Assert.Equal(5f / 3, Get(loss)[0], 1e-6f);
        Assert.All(Get(dprediction).Zip([2f / 3, 0f, -4f / 3]), p => Assert.Equal(p.Second, p.First, 1e-6f));
        AssertGuardsIntact();
    }

    [Fact]
    public void CountCorrect_counts_rows_whose_top_score_is_the_label()
    {
        // Rows' top classes: 2, 0, 1, 0 (a tie goes to the first). Labels: 2, 1, 1, 0.
        var scores = Put(0.1f, 0.2f, 0.7f, 5f, -1f, 2f, -3f, -1f, -2f, 0.5f, 0.5f, 0f);

        var correct = Backend.CountCorrect(scores, Put(2f, 1f, 1f, 0f), 4, 3);

        Assert.Equal(3, correct);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(37)]
    public void AddBias_matches_a_scalar_loop(int cols)
    {
        const int rows = 3;
        var x = Series(rows * cols, 1);
        var bias = Series(cols, 2);
        var target = Put(x);

        Backend.AddBias(target, Put(bias), rows, cols);

        var expected = x.Select((v, i) => v + bias[i % cols]).ToArray();
        Assert.Equal(expected, Get(target));
        AssertGuardsIntact();
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(15, false)]
    [InlineData(17, true)]
    [InlineData(37, false)]
    [InlineData(37, true)]
    public void SumRows_matches_a_scalar_loop(int cols, bool accumulate)
    {
        const int rows = 5;
        var x = Series(rows * cols, 3);
        var before = Series(cols, 4);
        var dst = Put(before);

        Backend.SumRows(Put(x), dst, rows, cols, accumulate);

        var got = Get(dst);
        for (var c = 0; c < cols; c++)
        {
            var sum = accumulate ? before[c] : 0f;
            for (var r = 0; r < rows; r++)
            {
                sum += x[(r * cols) + c];
            }

            Assert.Equal(sum, got[c], 1e-5f);
        }

        AssertGuardsIntact();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(31)]
    [InlineData(100)]
    public void Accumulate_matches_a_scalar_loop(int length)
    {
        var source = Series(length, 5);
        var before = Series(length, 6);
        var target = Put(before);

        Backend.Accumulate(Put(source), target);

        Assert.Equal(before.Zip(source, (t, s) => t + s).ToArray(), Get(target));
        AssertGuardsIntact();
    }

    [Fact]
    public void Accumulate_rejects_tensors_of_different_lengths()
    {
        Assert.Throws<ArgumentException>(() => Backend.Accumulate(Put(Series(17, 1)), Put(Series(16, 2))));
    }

    [Theory]
    [InlineData(Activation.Relu, false)]
    [InlineData(Activation.Relu, true)]
    [InlineData(Activation.Sigmoid, false)]
    [InlineData(Activation.Sigmoid, true)]
    [InlineData(Activation.Tanh, false)]
    [InlineData(Activation.Tanh, true)]
    public void Activation_matches_its_scalar_formula_forward_and_backward(Activation f, bool accumulate)
    {
        const int length = 37;
        var x = Series(length, 7).Select(v => v * 4).ToArray();
        var dy = Series(length, 8);
        var before = Series(length, 9);
        var (y, dx) = (Put(new float[length]), Put(before));
        Func<double, double> value = f switch
        {
            Activation.Relu => v => Math.Max(0, v),
            Activation.Sigmoid => v => 1 / (1 + Math.Exp(-v)),
            _ => Math.Tanh,
        };
        Func<double, double> slope = f switch
        {
            Activation.Relu => v => v > 0 ? 1 : 0,
            Activation.Sigmoid => v => value(v) * (1 - value(v)),
            _ => v => 1 - (Math.Tanh(v) * Math.Tanh(v)),
        };

        Backend.Activate(f, Put(x), y);
        Backend.ActivateBackward(f, Put(x), y, Put(dy), dx, accumulate);

        var (ys, dxs) = (Get(y), Get(dx));
        for (var i = 0; i < length; i++)
        {
            Assert.Equal(value(x[i]), ys[i], 1e-6);
            Assert.Equal((accumulate ? before[i] : 0) + (dy[i] * slope(x[i])), dxs[i], 1e-6);
        }

        AssertGuardsIntact();
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Gemm_matches_a_reference_product(bool transA, bool transB)
    {
        const int m = 5, n = 7, k = 3;
        const float alpha = 0.5f, beta = 2f;
        var a = Series(m * k, 10);
        var b = Series(k * n, 11);
        var c0 = Series(m * n, 12);
        var c = Put(c0);

        Backend.Gemm(transA, transB, m, n, k, alpha, Put(a), Put(b), beta, c);

        var got = Get(c);
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = 0;
                for (var p = 0; p < k; p++)
                {
                    sum += (transA ? a[(p * m) + i] : a[(i * k) + p]) * (double)(transB ? b[(j * k) + p] : b[(p * n) + j]);
                }

                Assert.Equal((alpha * sum) + (beta * c0[(i * n) + j]), got[(i * n) + j], 1e-5);
            }
        }

        AssertGuardsIntact();
    }

    /// <summary>Deterministic values in [-1, 1) that differ for every <paramref name="seed"/>.</summary>
    protected static float[] Series(int length, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
    }

    /// <summary>Uploads <paramref name="values"/> into a tensor that starts past, and ends before, sentinel guard floats.</summary>
    protected Tensor Put(params float[] values)
    {
        var buffer = Backend.Allocate(values.Length + (2 * Guard));
        var guarded = Enumerable.Repeat(Sentinel, Guard).Concat(values).Concat(Enumerable.Repeat(Sentinel, Guard)).ToArray();
        Backend.Upload(guarded, new Tensor(buffer, 0, guarded.Length));
        var tensor = new Tensor(buffer, Guard, values.Length);
        _tensors.Add(tensor);
        return tensor;
    }

    protected float[] Get(Tensor tensor)
    {
        var host = new float[tensor.Length];
        Backend.Download(tensor, host);
        return host;
    }

    /// <summary>Checks that no kernel wrote outside the tensors it was given.</summary>
    protected void AssertGuardsIntact()
    {
        foreach (var t in _tensors)
        {
            var whole = Get(new Tensor(t.Buffer, 0, t.Buffer.Length));
            Assert.All(whole[..Guard].Concat(whole[^Guard..]), v => Assert.Equal(Sentinel, v));
        }
    }
}
