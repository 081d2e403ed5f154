// The agreement checks of the classic-model kernels: threshold units and the counter-based samplers.
namespace Dtrain.Models.Tests.Backends;

public abstract partial class BackendAgreementTests
{
    [SkippableFact]
    public void Step_and_sign_agree_bit_for_bit()
    {
        RequireDevice();
        var x = Values([-1f, -0.25f, 0f, 0.25f, 0.5f, float.NaN, 3f]);
        var (step, sign) = (NaNs(7), NaNs(7));
        Both((be, t) =>
        {
            be.Step(t(x), t(step), 0.25f);
            be.Sign(t(x), t(sign), 0.25f);
        });
        AssertAgree(step, 0f, "step");
        AssertAgree(sign, 0f, "sign");
    }

    [SkippableFact]
    public void Bernoulli_draws_the_same_sample_bit_for_bit()
    {
        RequireDevice();
        var (p, y) = (Random(3000, 0f, 1f), NaNs(3000));
        Both((be, t) => be.Bernoulli(t(p), t(y), 0x0123_4567_89AB_CDEFUL));
        AssertAgree(y, 0f, "bernoulli");
    }

    [SkippableFact]
    public void Normal_draws_the_same_noise()
    {
        // CounterRandom uses only IEEE +, -, *, / and sqrt, so the ILGPU CPU accelerator gives the same bits; a GPU
        // compiler may fuse a multiply and an add into one rounding, hence the tolerance of a few float ulps.
        RequireDevice();
        var y = NaNs(3000);
        Both((be, t) => be.Normal(t(y), 0.5f, 2f, 0xFEDC_BA98_7654_3210UL));
        AssertAgree(y, 2e-6f, "normal");
        AssertNoNaN(y, "normal");
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Perceptron_and_hopfield_rules_agree(bool accumulate)
    {
        RequireDevice();
        var (rows, cols, n) = (9, 13, 17);
        var z = Random(rows * cols);
        var t = Values(Enumerable.Range(0, rows * cols).Select(i => (float)((i * 7) % 3 == 0 ? 1 : 0)).ToArray());
        var (loss, dz) = (NaNs(1), Random(rows * cols));
        var (outer, dw) = (Random(n * n), Random(n * n));
        Both((be, tt) =>
        {
            be.Perceptron(tt(z), tt(t), rows, cols, tt(loss), tt(dz), accumulate);
            be.HopfieldWeightGradient(tt(outer), tt(dw), n, accumulate);
        });
        AssertAgree(loss, 1e-6f, "perceptron loss");
        AssertAgree(dz, 0f, "perceptron dz");
        AssertAgree(dw, 0f, "hopfield dW");
    }
}
