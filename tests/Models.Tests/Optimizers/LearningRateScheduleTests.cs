// Learning-rate schedules against values worked out by hand from their definitions (update index i is 0-based).
using Dtrain.Models.Optimizers;

namespace Dtrain.Models.Tests.Optimizers;

public class LearningRateScheduleTests
{
    [Fact]
    public void Constant_schedule_keeps_the_base_rate()
    {
        var schedule = LearningRateSchedule.Constant;

        Assert.All(new long[] { 0, 1, 1000 }, i => Assert.Equal(0.1, schedule.LearningRate(0.1, i)));
    }

    [Fact]
    public void Step_schedule_multiplies_by_gamma_every_step_size_updates()
    {
        // base 1, gamma 0.5 every 3 updates: 1 1 1 0.5 0.5 0.5 0.25 ...
        var schedule = new LearningRateSchedule(ScheduleKind.Step, Gamma: 0.5f, StepSize: 3);

        double[] expected = [1, 1, 1, 0.5, 0.5, 0.5, 0.25];
        Assert.Equal(expected, Enumerable.Range(0, 7).Select(i => schedule.LearningRate(1, i)));
    }

    [Fact]
    public void Exponential_schedule_multiplies_by_gamma_every_update()
    {
        var schedule = new LearningRateSchedule(ScheduleKind.Exponential, Gamma: 0.9f);

        Assert.Equal(2.0, schedule.LearningRate(2, 0));
        Assert.Equal(2 * 0.9f, schedule.LearningRate(2, 1), 1e-12);
        Assert.Equal(2 * Math.Pow(0.9f, 10), schedule.LearningRate(2, 10), 1e-12);
    }

    [Fact]
    public void Cosine_schedule_falls_from_the_base_rate_to_the_minimum_over_its_steps_then_holds()
    {
        // base 1, min 0.1, 8 steps: i = 2 is a quarter of the way, where (1 + cos(pi / 4)) / 2 = 0.853553.
        var schedule = new LearningRateSchedule(ScheduleKind.Cosine, Steps: 8, MinLearningRate: 0.1f);

        Assert.Equal(1.0, schedule.LearningRate(1, 0), 1e-12);
        Assert.Equal(0.1f + (0.9f * 0.8535533905932737), schedule.LearningRate(1, 2), 1e-7);
        Assert.Equal(0.1f + (0.9f * 0.5), schedule.LearningRate(1, 4), 1e-7);
        Assert.Equal(0.1f, schedule.LearningRate(1, 8), 1e-7);
        Assert.Equal(0.1f, schedule.LearningRate(1, 50), 1e-7);
    }

    [Fact]
    public void Warmup_climbs_linearly_then_hands_over_to_the_decay()
    {
        // 4 warm-up updates: 0.25 0.5 0.75 1, then cosine over the remaining 4 of 8 steps: 1, 0.853553, 0.5, ...
        var schedule = new LearningRateSchedule(ScheduleKind.Cosine, Warmup: 4, Steps: 8);

        double[] expected = [0.25, 0.5, 0.75, 1, 1, 0.8535533905932737, 0.5, 0.14644660940672627, 0, 0];
        var actual = Enumerable.Range(0, 10).Select(i => schedule.LearningRate(1, i)).ToArray();
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-12);
        }
    }

    [Fact]
    public void Warmup_composes_with_step_decay_counted_from_its_end()
    {
        var schedule = new LearningRateSchedule(ScheduleKind.Step, Warmup: 2, Gamma: 0.1f, StepSize: 2);

        double[] expected = [0.5, 1, 1, 1, 0.1f, 0.1f];
        var actual = Enumerable.Range(0, 6).Select(i => schedule.LearningRate(1, i)).ToArray();
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-7);
        }
    }

    [Theory]
    [InlineData(ScheduleKind.Exponential, null, 0, 0, "gamma is required")]
    [InlineData(ScheduleKind.Step, 0.5f, 0, 0, "step_size")]
    [InlineData(ScheduleKind.Step, 1.5f, 2, 0, "gamma must be in (0, 1]")]
    [InlineData(ScheduleKind.Cosine, null, 0, 5, "must exceed lr_schedule.warmup")]
    public void Invalid_schedule_names_the_field(ScheduleKind kind, float? gamma, int stepSize, long steps, string expected)
    {
        var schedule = new LearningRateSchedule(kind, Warmup: 5, Gamma: gamma, StepSize: stepSize, Steps: steps);

        Assert.Contains(expected, schedule.FirstProblem(0.1f));
    }
}
