// The agreement checks of the linear-algebra, pointwise and loss kernels.
using Dtrain.Models.Backends;

namespace Dtrain.Models.Tests.Backends;

public abstract partial class BackendAgreementTests
{
    [SkippableTheory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Gemm_strided_and_batched_products_agree(bool transA, bool transB)
    {
        RequireDevice();
        var (m, n, k) = (13, 37, 19);
        var (a, b, c) = (Random(m * k), Random(k * n), Random(m * n));
        Both((be, t) => be.Gemm(transA, transB, m, n, k, 0.7f, t(a), t(b), 0.5f, t(c)));

        // A time step of a (rows, 3 steps, n) sequence: rows three strides apart.
        var (sa, sb, sc) = (Random(3 * m * k), Random(k * n), Random(3 * m * n));
        Both((be, t) => be.GemmStrided(transA, transB, m, n, k, 1f,
            new StridedMatrix(t(sa), 3 * (transA ? m : k)), new StridedMatrix(t(sb), transB ? k : n), 1f, new StridedMatrix(t(sc), 3 * n)));
        var (ba, bb, bc) = (Random(3 * m * k), Random(3 * k * n), Random(3 * m * n));
        Both((be, t) => be.BatchedGemm(transA, transB, 3, m, n, k, 1f, t(ba), t(bb), 0f, t(bc)));
        AssertAgree(c, sc, bc);
    }

    [SkippableTheory]
    [InlineData(null, true)]
    [InlineData(Activation.Relu, true)]
    [InlineData(Activation.Sigmoid, false)]
    [InlineData(Activation.Tanh, true)]
    public void Dense_forward_with_bias_and_activation_agrees(Activation? f, bool withBias)
    {
        RequireDevice();
        var (rows, k, n) = (21, 19, 70); // not multiples of any tile
        var (x, w, bias) = (Random(rows * k), Random(k * n), Random(n));
        var y = NaNs(rows * n); // the product overwrites y, whatever was there
        Both((be, t) => be.DenseForward(t(x), t(w), withBias ? t(bias) : null, f, t(y), rows, k, n));
        AssertAgree(y);
        AssertNoNaN(y, "y");
    }

    [SkippableFact]
    public void Bias_row_sums_and_scaled_adds_agree()
    {
        RequireDevice();
        var (x, bias, sums, weighted, w) = (Random(7 * 11), Random(11), Random(11), Random(11), Random(7 * 11));
        var (y, acc, scaled, filled, copy) = (Random(77), Random(77), Random(77), Random(77), Random(77));
        Both((be, t) =>
        {
            be.AddBias(t(x), t(bias), 7, 11);
            be.SumRows(t(x), t(sums), 7, 11, accumulate: true);
            be.MultiplySumRows(t(x), t(w), t(weighted), 7, 11, accumulate: false);
            be.AddScaled(t(x), -0.5f, t(y), accumulate: true);
            be.Accumulate(t(x), t(acc));
            be.ScaleInto(t(x), 3f, t(scaled), accumulate: false);
            be.Scale(t(scaled), 0.25f);
            be.Fill(t(filled), 2.5f);
            be.Copy(t(x), t(copy));
        });
        AssertAgree(x, sums, weighted, y, acc, scaled, filled, copy);
    }

    [SkippableTheory]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    public void Activations_and_their_gradients_agree(Activation f)
    {
        RequireDevice();
        var (x, y, dy, dx) = (Random(101, -4f, 4f), Random(101), Random(101), Random(101));
        Both((be, t) =>
        {
            be.Activate(f, t(x), t(y));
            be.ActivateBackward(f, t(x), t(y), t(dy), t(dx), accumulate: true);
        });
        AssertAgree(y, dx);
    }

    [SkippableTheory]
    [InlineData(BinaryFunction.Add, false, true)]
    [InlineData(BinaryFunction.Subtract, true, false)]
    [InlineData(BinaryFunction.Multiply, false, false)]
    public void Binary_and_unary_ops_agree(BinaryFunction f, bool aBroadcast, bool bBroadcast)
    {
        RequireDevice();
        var (a, b, y) = (Random(aBroadcast ? 9 : 45), Random(bBroadcast ? 9 : 45), Random(45));
        var (x, e, l, dy, dx, dl) = (Random(45, 0.1f, 3f), Random(45), Random(45), Random(45), Random(45), Random(45));
        Both((be, t) =>
        {
            be.Binary(f, t(a), aBroadcast, t(b), bBroadcast, t(y), 5, 9, accumulate: true);
            be.Unary(UnaryFunction.Exp, t(x), t(e));
            be.Unary(UnaryFunction.Log, t(x), t(l));
            be.UnaryBackward(UnaryFunction.Exp, t(x), t(e), t(dy), t(dx), accumulate: false);
            be.UnaryBackward(UnaryFunction.Log, t(x), t(l), t(dy), t(dl), accumulate: true);
        });
        AssertAgree(y, e, l, dx, dl);
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(6)]
    public void Parametrized_activations_and_softmax_agree(int inner)
    {
        RequireDevice();
        var (rows, channels) = (5, 4);
        var size = rows * channels * inner;
        var (x, slope, y, dy, dx, dslope) = (Random(size, -2f, 2f), Random(channels, 0f, 0.5f), Random(size), Random(size), Random(size), Random(channels));
        var (leaky, dleaky, elu, delu) = (Random(size), Random(size), Random(size), Random(size));
        var (soft, dsoft) = (Random(size), Random(size));
        Both((be, t) =>
        {
            be.Prelu(t(x), t(slope), t(y), rows, channels, inner);
            be.PreluBackward(t(x), t(slope), t(dy), t(dx), t(dslope), rows, channels, inner, accumulateInput: true, accumulateSlope: true);
            be.LeakyRelu(t(x), t(leaky), 0.1f);
            be.LeakyReluBackward(t(x), t(dy), t(dleaky), 0.1f, accumulate: false);
            be.Elu(t(x), t(elu), 1.5f);
            be.EluBackward(t(x), t(elu), t(dy), t(delu), 1.5f, accumulate: true);
            be.Softmax(t(x), t(soft), rows, channels * inner);
            be.SoftmaxBackward(t(soft), t(dy), t(dsoft), rows, channels * inner, accumulate: true);
        });
        AssertAgree(y, dx, dslope, leaky, dleaky, elu, delu, soft, dsoft);
    }

    [SkippableFact]
    public void Losses_and_accuracy_agree()
    {
        RequireDevice();
        var (rows, classes) = (23, 7);
        var (logits, labels, loss, dlogits) = (Random(rows * classes, -3f, 3f), Labels(rows, classes), Random(1), Random(rows * classes));
        var (p, target, mse, dp) = (Random(40), Random(40), Random(1), Random(40));
        var (z, y, bce, dz, dyb) = (Random(40, -20f, 20f), Random(40, 0f, 1f), Random(1), Random(40), Random(40));
        Both((be, t) =>
        {
            be.SoftmaxCrossEntropy(t(logits), t(labels), rows, classes, t(loss), t(dlogits), accumulate: true);
            be.MeanSquaredError(t(p), t(target), 40, t(mse), t(dp), accumulate: false);
            be.BinaryCrossEntropyWithLogits(t(z), t(y), 40, t(bce), t(dz), true, t(dyb), false);
        });
        AssertAgree(loss, dlogits, mse, dp, bce, dz, dyb);
        BothEqual((be, t) => be.CountCorrect(t(logits), t(labels), rows, classes));
    }

    [SkippableFact]
    public void Dropout_draws_the_same_mask_bit_for_bit_and_applies_it()
    {
        RequireDevice();
        var (mask, x, y, sum) = (Random(1000), Random(1000), Random(1000), Random(1));
        Both((be, t) =>
        {
            be.DropoutMask(t(mask), 0.3f, 0x0123_4567_89AB_CDEFUL);
            be.DropoutApply(t(x), t(mask), t(y), accumulate: true);
            be.SumOfSquares(t(x), t(sum), accumulate: true);
        });
        AssertAgree(mask, 0f, "mask");
        AssertAgree(y, sum);
    }
}
