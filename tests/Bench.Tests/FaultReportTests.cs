// The arithmetic of the fault table: accuracy deltas, time lost, totals, and the flag on a success that lost work.
using Dtrain.Bench.Faults;

namespace Dtrain.Bench.Tests;

public sealed class FaultReportTests
{
    private static readonly JobOutcome Baseline = Success(accuracy: 0.9780, steps: 1407, applied: 1407, wall: 100);

    private static JobOutcome Success(double accuracy, long steps, long applied, double wall, long retrained = 0, bool everyPartition = true) =>
        new(true, wall, accuracy, steps, applied, retrained, everyPartition, 0, "");

    private static FaultRun Run(int n, JobOutcome outcome) => new(new Fault(n, "ps", 0, FaultKind.Kill, 30), 30.2, 1, 300, outcome);

    [Fact]
    public void Accuracy_delta_is_in_percentage_points_and_time_lost_is_against_the_baseline()
    {
        // Arrange
        var o = Success(accuracy: 0.9752, steps: 1407, applied: 1407, wall: 131.5);
        var report = new FaultReport(Baseline, [Run(1, o)]);

        // Act / Assert
        Assert.Equal(-0.28, report.DeltaPoints(o)!.Value, 6);
        Assert.Equal(31.5, report.TimeLost(o), 6);
        Assert.True(report.WithinTolerance(o));
        Assert.Null(report.LostWork(o));
    }

    [Fact]
    public void A_success_more_than_half_a_point_off_is_flagged_as_lost_work()
    {
        // Arrange: the case, a restore after which training did not count (96.85 % against 97.80 %).
        var o = Success(accuracy: 0.9685, steps: 1407, applied: 1407, wall: 120);
        var report = new FaultReport(Baseline, [Run(1, o)]);

        // Act
        var lost = report.LostWork(o);

        // Assert
        Assert.False(report.WithinTolerance(o));
        Assert.NotNull(lost);
        Assert.Contains("accuracy -0.95 pts", lost);
    }

    [Fact]
    public void A_success_whose_shards_applied_fewer_updates_than_steps_trained_is_flagged_even_with_good_accuracy()
    {
        // Arrange
        var o = Success(accuracy: 0.9779, steps: 1407, applied: 938, wall: 120);
        var report = new FaultReport(Baseline, [Run(1, o)]);

        // Act
        var lost = report.LostWork(o);

        // Assert
        Assert.True(report.WithinTolerance(o));
        Assert.Equal("469 step(s) trained but not applied", lost);
    }

    [Fact]
    public void Fewer_steps_than_the_baseline_or_an_untrained_partition_is_lost_work()
    {
        // Arrange
        var shorter = Success(accuracy: 0.9779, steps: 1300, applied: 1300, wall: 120);
        var skipped = Success(accuracy: 0.9779, steps: 1407, applied: 1407, wall: 120, everyPartition: false);
        var report = new FaultReport(Baseline, [Run(1, shorter), Run(2, skipped)]);

        // Act / Assert
        Assert.Equal("107 step(s) fewer than the baseline", report.LostWork(shorter));
        Assert.Equal("a partition never trained", report.LostWork(skipped));
    }

    [Fact]
    public void Extra_updates_from_retrained_steps_are_not_lost_work()
    {
        // Arrange: a killed worker's half-done partition was applied and then trained again by another worker.
        var o = Success(accuracy: 0.9781, steps: 1407, applied: 1450, wall: 110, retrained: 43);
        var report = new FaultReport(Baseline, [Run(1, o)]);

        // Act / Assert
        Assert.Null(report.LostWork(o));
    }

    [Fact]
    public void A_run_that_did_not_complete_counts_against_completion_but_not_as_lost_work()
    {
        // Arrange
        var failed = JobOutcome.Failed(400, 2, "no end within 360 s");
        var good = Success(accuracy: 0.9770, steps: 1407, applied: 1407, wall: 105);
        var bad = Success(accuracy: 0.9600, steps: 1407, applied: 1407, wall: 140);
        var report = new FaultReport(Baseline, [Run(1, failed), Run(2, good), Run(3, bad)]);

        // Act
        var totals = report.Totals();

        // Assert
        Assert.Null(report.LostWork(failed));
        Assert.Equal(2, report.CompletedCount);
        Assert.Equal(1, report.WithinToleranceCount);
        Assert.Equal(1, report.LostWorkCount);
        Assert.Equal("completed 2/3 (67 %); within 0.5 pts of the unfaulted run 1/3 (33 %); reported success but lost work: 1", totals);
    }

    [Fact]
    public void The_markdown_table_has_a_row_per_run_after_the_baseline_and_ends_with_the_totals()
    {
        // Arrange
        var report = new FaultReport(Baseline, [Run(1, Success(0.9776, 1407, 1407, 120, retrained: 57)), Run(2, JobOutcome.Failed(400, 1, "exit 1: job failed"))]);

        // Act
        var lines = report.Format(markdown: true).TrimEnd().Split('\n');

        // Assert
        Assert.StartsWith("| run | fault | at |", lines[0]);
        Assert.StartsWith("| 0 | none (baseline) |", lines[2]);
        Assert.StartsWith("| 1 | kill ps-0 | 30.2 s, epoch 1, step ≥300 | yes | 97.76 % | -0.04 | 1,407 | 1,407 | 57 | 0 | +20 s | no |", lines[3]);
        Assert.StartsWith("| 2 | kill ps-0 |", lines[4]);
        Assert.Contains("| NO: exit 1: job failed |", lines[4]);
        Assert.StartsWith("completed 1/2", lines[^1]);
    }

    [Fact]
    public void Retrained_steps_the_job_under_reports_show_beside_its_own_count()
    {
        // Arrange
        var under = Success(0.9780, 1407, 1417, 120) with { StepsRetrainedSeen = 250 };
        var agreed = Success(0.9780, 1407, 1407, 120, retrained: 450) with { StepsRetrainedSeen = 450 };
        var report = new FaultReport(Baseline, [Run(1, under), Run(2, agreed)]);

        // Act
        var lines = report.Format(markdown: true).Split('\n');

        // Assert
        Assert.Contains("| 250 seen (job says 0) |", lines[3]);
        Assert.Contains("| 1,407 | 450 | 0 |", lines[4]);
    }
}
