// The agreement checks of the optimizer update: every rule, with and without weight decay, over several steps
// so the state slots evolve, at a length no vector width divides.
using Dtrain.Models.Optimizers;
using Factory = Dtrain.Models.Optimizers.Optimizers;

namespace Dtrain.Models.Tests.Backends;

public abstract partial class BackendAgreementTests
{
    [SkippableTheory]
    [InlineData("sgd", 0f)]
    [InlineData("sgd", 0.1f)]
    [InlineData("momentum", 0f)]
    [InlineData("momentum", 0.1f)]
    [InlineData("nesterov", 0f)]
    [InlineData("nesterov", 0.1f)]
    [InlineData("adagrad", 0f)]
    [InlineData("adagrad", 0.1f)]
    [InlineData("rmsprop", 0f)]
    [InlineData("rmsprop", 0.1f)]
    [InlineData("adadelta", 0f)]
    [InlineData("adadelta", 0.1f)]
    [InlineData("adam", 0f)]
    [InlineData("adam", 0.1f)]
    [InlineData("adamw", 0f)]
    [InlineData("adamw", 0.1f)]
    public void OptimizerStep_agrees_for_every_rule_as_its_state_evolves(string type, float weightDecay)
    {
        RequireDevice();

        // A large rate makes a misplaced decay or a wrong coefficient move w by far more than the tolerance.
        var optimizer = Factory.Create(new OptimizerSettings(type, LearningRate: 0.1f, WeightDecay: weightDecay));

        // 4107 = 256 * 16 + 8 + 3: the CPU's 512-bit body, one 256-bit pass and a scalar tail.
        const int n = 4107;
        var (w, s0, s1) = (Random(n), Values(new float[n]), Values(new float[n]));
        for (var step = 1; step <= 4; step++)
        {
            var g = Random(n);
            var scale = 0.5f + (0.25f * step);

            // Slots the rule does not use are passed as default(Tensor), as IBackend.OptimizerStep allows.
            Both((be, t) => be.OptimizerStep(
                optimizer, t(w), t(g), optimizer.StateSlots >= 1 ? t(s0) : default, optimizer.StateSlots >= 2 ? t(s1) : default, step, scale));
            AssertAgree(w, 1e-4f, $"{type} w after step {step}");
            AssertAgree(s0, 1e-4f, $"{type} s0 after step {step}");
            AssertAgree(s1, 1e-4f, $"{type} s1 after step {step}");
        }

        AssertNoNaN(w, type);
    }

    [SkippableTheory]
    [InlineData("sgd", 1, 0)]
    [InlineData("momentum", 0, 1)]
    [InlineData("adam", 0, 2)]
    [InlineData("adadelta", 0, 2)]
    public void OptimizerStep_rejects_a_short_gradient_or_state_slot_naming_the_optimizer_and_sizes(string type, int gradientShortBy, int slot)
    {
        RequireDevice();
        var optimizer = Factory.Create(new OptimizerSettings(type));
        var (w, g, s0, s1) = (Random(10), Random(10 - gradientShortBy), Random(slot == 1 ? 9 : 10), Random(slot == 2 ? 9 : 10));

        Both((be, t) =>
        {
            var error = Assert.ThrowsAny<ArgumentException>(() => be.OptimizerStep(optimizer, t(w), t(g), t(s0), t(s1), 1, 1f));
            Assert.Contains(type, error.Message);
            Assert.Contains("9 elements", error.Message);
            Assert.Contains("parameters has 10", error.Message);
        });
    }

    [SkippableFact]
    public void OptimizerStep_rejects_step_zero_on_every_backend()
    {
        RequireDevice();
        var optimizer = Factory.Create(new OptimizerSettings("adam"));
        var (w, g, s0, s1) = (Random(5), Random(5), Random(5), Random(5));

        Both((be, t) => Assert.Throws<ArgumentOutOfRangeException>(() => be.OptimizerStep(optimizer, t(w), t(g), t(s0), t(s1), 0, 1f)));
    }
}
