// "early_stopping" as a training field, and the best-epoch rule behind it.
using Dtrain.Models.Graph;
using Dtrain.Models.Metrics;

namespace Dtrain.Models.Tests.Metrics;

public sealed class EarlyStoppingTests
{
    [Fact]
    public void Early_stopping_parses_with_defaults_for_fields_left_out()
    {
        var settings = Parse("""{"early_stopping": {"monitor": "val_accuracy", "min_delta": 0.001}, "top_k": 3}""");

        Assert.Equal(new EarlyStopping("val_accuracy", 3, 0.001), settings.EarlyStopping);
        Assert.Equal("val_accuracy", settings.BestMonitor);
        Assert.Equal(3, settings.TopK);
    }

    [Fact]
    public void Best_is_chosen_on_validation_loss_without_early_stopping()
    {
        var settings = Parse("{}");

        Assert.Null(settings.EarlyStopping);
        Assert.Equal("val_loss", settings.BestMonitor);
        Assert.Equal(5, settings.TopK);
    }

    [Theory]
    [InlineData("""{"early_stopping": {"monitor": "test_loss"}}""", "model.json: training.early_stopping.monitor 'test_loss' is not known; known: val_loss, val_accuracy, val_top_k_accuracy, val_rmse, val_mae, val_r2, val_mse")]
    [InlineData("""{"early_stopping": {"patience": 0}}""", "model.json: training.early_stopping.patience must be at least 1, got 0")]
    [InlineData("""{"early_stopping": {"min_delta": -1}}""", "model.json: training.early_stopping.min_delta must be zero or a positive number, got -1")]
    [InlineData("""{"early_stopping": {"wait": 2}}""", "model.json: unknown field training.early_stopping.wait; known: monitor, patience, min_delta")]
    [InlineData("""{"early_stopping": true}""", "model.json: training.early_stopping must be an object such as {\"monitor\": \"val_loss\", \"patience\": 3}, got true")]
    [InlineData("""{"top_k": -2}""", "model.json: training.top_k must be zero (off) or positive, got -2")]
    public void Bad_early_stopping_field_is_one_error_naming_it(string training, string expected)
    {
        var error = Assert.Throws<ModelFileException>(() => Parse(training));

        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Best_epoch_of_a_loss_is_the_lowest_and_counts_epochs_since()
    {
        var best = new BestEpoch("loss");

        Assert.True(best.Observe(1, 0.9));
        Assert.True(best.Observe(2, 0.5));
        Assert.False(best.Observe(3, 0.5)); // equal is no improvement
        Assert.False(best.Observe(4, 0.7));

        Assert.Equal((2, 0.5, 2), (best.Epoch, best.Value, best.EpochsWithoutImprovement));
    }

    [Fact]
    public void Best_epoch_of_an_accuracy_is_the_highest_by_more_than_min_delta()
    {
        var best = new BestEpoch("accuracy", minDelta: 0.01);

        best.Observe(1, 0.80);
        best.Observe(2, 0.805); // within min_delta
        best.Observe(3, 0.82);

        Assert.Equal((3, 0), (best.Epoch, best.EpochsWithoutImprovement));
    }

    [Fact]
    public void Best_epoch_never_takes_a_nan()
    {
        var best = new BestEpoch("loss");

        best.Observe(1, double.NaN);
        best.Observe(2, 0.4);
        best.Observe(3, double.NaN);

        Assert.Equal((2, 1), (best.Epoch, best.EpochsWithoutImprovement));
    }

    private static TrainingSettings Parse(string training) => ModelParser.Parse($$$"""
        {"inputs": [{"name": "x", "shape": [4]}, {"name": "y", "shape": [], "dtype": "int32"}],
         "nodes": [{"id": "out", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}},
                   {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["out", "y"]}],
         "loss": "loss", "training": {{{training}}}}
        """, "model.json").Training;
}
