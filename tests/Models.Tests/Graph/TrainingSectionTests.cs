// The training section's optimizer, schedule and clipping fields: what they parse to and how bad ones fail.
using Dtrain.Models.Graph;
using Dtrain.Models.Optimizers;

namespace Dtrain.Models.Tests.Graph;

public sealed class TrainingSectionTests
{
    [Fact]
    public void Optimizer_schedule_and_clipping_fields_parse_into_the_settings()
    {
        var settings = Parse("""
            {"optimizer": "rmsprop", "alpha": 0.95, "rho": 0.8, "clip_norm": 2.5,
             "lr_schedule": {"type": "cosine", "steps": 1000, "warmup": 50, "min_lr": 0.0001}}
            """);

        Assert.Equal("rmsprop", settings.Optimizer.Type);
        Assert.Equal((0.95f, 0.8f), (settings.Optimizer.Alpha, settings.Optimizer.Rho));
        Assert.Null(settings.Optimizer.LearningRate);
        Assert.Equal(1e-2f, settings.Optimizer.EffectiveLearningRate);
        Assert.Equal(2.5f, settings.ClipNorm);
        Assert.Equal(new LearningRateSchedule(ScheduleKind.Cosine, Warmup: 50, Steps: 1000, MinLearningRate: 0.0001f), settings.Optimizer.Schedule);
    }

    [Fact]
    public void Pushes_overlap_backward_unless_the_file_turns_it_off()
    {
        Assert.True(Parse("{}").OverlapPush);
        Assert.False(Parse("""{"overlap_push": false}""").OverlapPush);
    }

    [Fact]
    public void Schedule_may_be_given_by_name()
    {
        var settings = Parse("""{"lr_schedule": "cosine"}""");

        Assert.Equal(ScheduleKind.Cosine, settings.Optimizer.Schedule!.Kind);
        Assert.Equal(0, settings.Optimizer.Schedule.Steps);
    }

    [Fact]
    public void Cosine_over_the_whole_run_learns_its_length_from_the_data_set_size()
    {
        // 1000 examples in partitions of 300 (3 of 300, one of 100), batch 64, push every 2 steps:
        // ceil(ceil(300 / 64) / 2) = 3 pushes per full partition, ceil(ceil(100 / 64) / 2) = 1 for the last.
        var settings = Parse("""{"lr_schedule": "cosine", "batch": 64, "n_push": 2, "partition_size": 300, "epochs": 2}""");

        var resolved = settings.WithScheduleResolved(1000);

        Assert.Equal(2 * ((3 * 3) + 1), resolved.Optimizer.Schedule!.Steps);
    }

    [Theory]
    [InlineData("""{"lr_schedule": {"type": "cosine", "every": 3}}""", "unknown field training.lr_schedule.every")]
    [InlineData("""{"lr_schedule": {"type": "linear"}}""", "type 'linear' is not known")]
    [InlineData("""{"lr_schedule": {"type": "exponential"}}""", "training.lr_schedule.gamma is required")]
    [InlineData("""{"lr_schedule": {"type": "step", "step_size": "ten"}}""", "training.lr_schedule.step_size must be an integer")]
    [InlineData("""{"lr_schedule": {"type": "cosine", "steps": 100, "min_lr": 1}}""", "training.lr_schedule.min_lr must be in [0, lr = 0.001]")]
    [InlineData("""{"clip_norm": -1}""", "training.clip_norm must be zero (off) or a positive number")]
    [InlineData("""{"optimizer": "lamb"}""", "training.optimizer 'lamb' is not known")]
    [InlineData("""{"mode": "bsp"}""", "training.mode 'bsp' is not known; known: async, ssp, sync")]
    [InlineData("""{"mode": "ssp", "staleness": -1}""", "training.staleness must be zero or positive")]
    [InlineData("""{"mode": "sync", "workers": 2, "backup_workers": 2}""", "training.backup_workers must be between 0 and workers - 1 (1), got 2")]
    [InlineData("""{"mode": "async", "workers": 3, "backup_workers": 1}""", "training.backup_workers applies to mode sync only")]
    public void Bad_training_field_is_one_error_naming_it(string training, string expected)
    {
        var error = Assert.Throws<ModelFileException>(() => Parse(training));

        Assert.Contains(expected, error.Message);
        Assert.StartsWith("model.json:", error.Message);
    }

    private static TrainingSettings Parse(string training) => ModelParser.Parse($$$"""
        {"inputs": [{"name": "x", "shape": [4]}, {"name": "y", "shape": [], "dtype": "int32"}],
         "nodes": [{"id": "out", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}},
                   {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["out", "y"]}],
         "loss": "loss", "training": {{{training}}}}
        """, "model.json").Training;
}
