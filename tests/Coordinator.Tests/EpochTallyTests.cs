// EpochTally without an actor system: an epoch's loss, steps and examples from its partition reports, the epoch's
// report and the best epoch on validation, early stopping, and a checkpoint's position going out and coming back.
using Dtrain.Coordinator;
using Dtrain.Models.Metrics;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Coordinator.Tests;

public sealed class EpochTallyTests
{
    // 10 examples in partitions of 4: sizes 4, 4, 2.
    private static PartitionSchedule Epoch(int epoch = 1) => new(10, 4, seed: 1, epoch);

    private static PartitionDone Done(PartitionSchedule epoch, int partition, int steps = 2, double loss = 1.0, long lag = 0) =>
        new(0, epoch.Epoch, partition, epoch.Partitions[partition].Length, steps, loss * epoch.Partitions[partition].Length, 0.5, lag);

    private static EvaluationFigures Validation(double loss) => new("classification", 10, loss, Accuracy: 0.5);

    /// <summary>Trains every partition of <paramref name="epoch"/> with the given mean loss, then evaluates it.</summary>
    private static EpochCompleted TrainAndEvaluate(EpochTally tally, PartitionSchedule epoch, double loss, double validationLoss)
    {
        tally.BeginEpoch(epoch);
        for (var p = 0; p < epoch.Partitions.Length; p++)
        {
            tally.PartitionDone(Done(epoch, p, loss: loss), epoch.MarkDone(p));
        }

        tally.EndEpoch(2.0);
        return tally.Evaluated(epoch, 2.0, 3.0, Validation(validationLoss), null);
    }

    [Fact]
    public void EpochTally_adds_each_partition_once_and_every_report_to_the_parameter_lag()
    {
        var tally = new EpochTally(10, null);
        var epoch = Epoch();
        tally.BeginEpoch(epoch);

        tally.PartitionDone(Done(epoch, 0, steps: 3, loss: 0.5, lag: 2), epoch.MarkDone(0));
        tally.PartitionDone(Done(epoch, 0, steps: 3, loss: 0.5, lag: 9), epoch.MarkDone(0)); // a late duplicate

        Assert.Equal((2.0, 3L, 4L, 9L), (tally.EpochLoss, tally.EpochSteps, tally.TrainExamples, tally.MaxParameterLag));
    }

    [Fact]
    public void EpochTally_progress_gives_the_mean_loss_rate_and_time_left_of_the_epoch()
    {
        var tally = new EpochTally(10, null);
        var epoch = Epoch();
        tally.BeginEpoch(epoch);
        var done = Done(epoch, 0, steps: 2, loss: 0.5);
        tally.PartitionDone(done, epoch.MarkDone(0));

        var progress = tally.Progress(epoch, done, elapsedSeconds: 2);

        Assert.Equal((1, 3, 2L), (progress.PartitionsDone, progress.Partitions, progress.Steps));
        Assert.Equal(0.5, progress.TrainLoss);
        Assert.Equal(2.0, progress.ExamplesPerSecond); // 4 examples in 2 s
        Assert.Equal(3.0, progress.EpochEtaSeconds); // 6 left at 2 a second
    }

    [Fact]
    public void EpochTally_reports_an_epoch_and_adds_it_to_the_history()
    {
        var tally = new EpochTally(10, null);

        var report = TrainAndEvaluate(tally, Epoch(), loss: 0.25, validationLoss: 1);

        Assert.Equal((1, 0.25, 5.0, 6L, 3), (report.Epoch, report.TrainLoss, report.ExamplesPerSecond, report.Steps, report.PartitionsTrained));
        Assert.Equal([report], tally.History);
        Assert.False(report.BestSoFar); // no validation set: no best epoch
    }

    [Fact]
    public void EpochTally_marks_the_best_epoch_on_validation_and_stops_early_after_patience_epochs_without_improvement()
    {
        var tally = new EpochTally(10, new BestEpoch("loss"));
        var rule = new EarlyStopping("val_loss", Patience: 2);

        Assert.True(TrainAndEvaluate(tally, Epoch(1), 1, validationLoss: 0.5).BestSoFar);
        Assert.True(tally.EvaluatedIsBest);
        Assert.False(TrainAndEvaluate(tally, Epoch(2), 1, validationLoss: 0.6).BestSoFar);
        Assert.False(tally.ShouldStopEarly(rule));
        TrainAndEvaluate(tally, Epoch(3), 1, validationLoss: 0.7);

        Assert.True(tally.ShouldStopEarly(rule));
        Assert.True(tally.StoppedEarly);
        Assert.Equal(1, tally.Best!.Epoch);
    }

    [Fact]
    public void EpochTally_position_mid_epoch_holds_the_partitions_done_and_at_an_epochs_end_the_next_epoch()
    {
        var tally = new EpochTally(10, new BestEpoch("loss"));
        var epoch = Epoch();
        tally.BeginEpoch(epoch);
        tally.PartitionDone(Done(epoch, 1, steps: 3, loss: 0.5), epoch.MarkDone(1));

        var mid = tally.Position(epoch, epochEnd: false, shards: 2, DateTime.UnixEpoch);
        Assert.Equal((1, 3L, 2.0, 3L), (mid.Epoch, mid.Steps, mid.EpochLossSum, mid.EpochSteps));
        Assert.Equal([1], mid.DonePartitions);

        epoch.MarkDone(0);
        epoch.MarkDone(2);
        tally.EndEpoch(1);
        tally.Evaluated(epoch, 1, 1, Validation(0.3), null);
        var end = tally.Position(epoch, epochEnd: true, shards: 2, DateTime.UnixEpoch);
        Assert.Equal((2, 0, 3L, 0.0, 0L, true), (end.Epoch, end.DonePartitions.Length, end.Steps, end.EpochLossSum, end.EpochSteps, end.Best));
        Assert.Single(end.History);
    }

    [Fact]
    public void EpochTally_restored_from_a_mid_epoch_checkpoint_goes_on_where_it_was_taken()
    {
        var before = new EpochTally(10, new BestEpoch("loss"));
        TrainAndEvaluate(before, Epoch(1), 1, validationLoss: 0.5);
        var epoch2 = Epoch(2);
        before.BeginEpoch(epoch2);
        before.PartitionDone(Done(epoch2, 0, steps: 2, loss: 0.5), epoch2.MarkDone(0));
        var checkpoint = before.Position(epoch2, epochEnd: false, shards: 1, DateTime.UnixEpoch);

        var after = new EpochTally(10, new BestEpoch("loss"));
        after.Restore(checkpoint);
        var resumed = Epoch(2);
        after.BeginEpoch(resumed, checkpoint);

        Assert.Equal((before.TotalSteps, before.EpochSteps, before.EpochLoss, before.TrainExamples), (after.TotalSteps, after.EpochSteps, after.EpochLoss, after.TrainExamples));
        Assert.True(resumed.IsDone(0));
        Assert.Equal(4, after.SkippedExamples); // trained before the checkpoint: not in this run's rate
        Assert.Equal(1, after.Best!.Epoch);
        Assert.Single(after.History);
    }

    [Fact]
    public void EpochTally_headline_names_the_test_figure_or_validations_without_a_test_set()
    {
        var tally = new EpochTally(10, null);
        Assert.Equal("test accuracy 0.00 %", tally.Headline());

        TrainAndEvaluate(tally, Epoch(), 1, validationLoss: 1);
        Assert.Equal("validation accuracy 50.00 %", tally.Headline());
    }
}
