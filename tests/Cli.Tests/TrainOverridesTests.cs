// Command-line flags for the optimizer, schedule, clipping and push overlap override the model file's training section.
using Dtrain.Models.Graph;
using Dtrain.Models.Optimizers;

namespace Dtrain.Cli.Tests;

public sealed class TrainOverridesTests
{
    [Fact]
    public void Optimizer_schedule_and_clipping_flags_override_the_training_section()
    {
        var file = new TrainingSettings { Optimizer = new OptimizerSettings("adam", Schedule: new LearningRateSchedule(ScheduleKind.Cosine, Steps: 900)) };
        var cl = CommandLine.Parse(["--optimizer", "adamw", "--weight-decay", "0.05", "--clip-norm", "1.5", "--warmup", "100"]);

        var settings = TrainCommand.ApplyOverrides(file, cl);

        Assert.Equal("adamw", settings.Optimizer.Type);
        Assert.Equal(0.05f, settings.Optimizer.WeightDecay);
        Assert.Equal(1.5f, settings.ClipNorm);
        Assert.Equal(new LearningRateSchedule(ScheduleKind.Cosine, Warmup: 100, Steps: 900), settings.Optimizer.Schedule);
    }

    [Fact]
    public void Lr_schedule_flag_with_an_unknown_kind_is_a_usage_error_listing_the_kinds()
    {
        var cl = CommandLine.Parse(["--lr-schedule", "linear"]);

        var error = Assert.Throws<UsageException>(() => TrainCommand.ApplyOverrides(new TrainingSettings(), cl));

        Assert.Contains("constant, step, exponential, cosine", error.Message);
    }

    [Fact]
    public void Mode_flag_parses_to_the_training_mode_and_an_unknown_one_is_a_usage_error_listing_the_modes()
    {
        var settings = TrainCommand.ApplyOverrides(new TrainingSettings(), CommandLine.Parse(["--mode", "ssp"]));
        var error = Assert.Throws<UsageException>(() => TrainCommand.ApplyOverrides(new TrainingSettings(), CommandLine.Parse(["--mode", "bsp"])));

        Assert.Equal(TrainingMode.Ssp, settings.Mode);
        Assert.Equal("--mode 'bsp' is not known; known: async, ssp, sync", error.Message);
    }

    [Fact]
    public void No_overlap_push_turns_the_overlap_off_and_is_journaled_without_swallowing_the_next_flag()
    {
        string[] args = ["--no-overlap-push", "--epochs", "2"];

        var settings = TrainCommand.ApplyOverrides(new TrainingSettings(), CommandLine.Parse(args));

        Assert.False(settings.OverlapPush);
        Assert.True(TrainCommand.ApplyOverrides(new TrainingSettings(), CommandLine.Parse(["--epochs", "2"])).OverlapPush);

        // A resumed job reads the journaled flags again: the switch must not take "--epochs" as its value.
        Assert.Equal(args, TrainCommand.SettingArgs(args));
    }
}
