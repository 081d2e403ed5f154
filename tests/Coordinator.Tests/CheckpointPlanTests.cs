// CheckpointPlan without an actor system: when a checkpoint is due, when one counts, how a failed one is retried, when
// the job gives up on its final one, and which complete ones keep-k drops.
using Dtrain.Coordinator;
using static Dtrain.Protocol.Persistence.JobEvents;

namespace Dtrain.Coordinator.Tests;

public sealed class CheckpointPlanTests
{
    private static readonly TimeSpan T0 = TimeSpan.Zero;

    private static CheckpointRecord At(int epoch, int[]? done = null, long steps = 0, bool best = false) =>
        new(0, epoch, done ?? [], steps, 0, 0, 0, 0, [], 2, 0, DateTime.UnixEpoch, best);

    private static CheckpointPlan Plan(int keep = 3, int epochs = 5, long everySteps = 0, double everySeconds = 0, IReadOnlyList<CheckpointRecord>? resumed = null) =>
        new(enabled: true, shards: 2, keep, epochs, everySteps, everySeconds, resumed);

    /// <summary>Starts a checkpoint and has both shards write it and the journal record it.</summary>
    private static CheckpointPlan.Saved Complete(CheckpointPlan plan, CheckpointRecord position, bool epochEnd = false)
    {
        var record = plan.Start(position, "test", epochEnd, T0)!;
        Assert.Null(plan.ShardWritten(record.Id, 0, 10, 0.1));
        var journaled = plan.ShardWritten(record.Id, 1, 20, 0.2)!;
        return plan.Recorded(journaled, TimeSpan.FromSeconds(1))!;
    }

    [Fact]
    public void CheckpointPlan_is_due_after_every_steps_only_while_the_epoch_runs_and_none_is_in_flight()
    {
        var plan = Plan(everySteps: 100);

        Assert.Null(plan.DueAfterSteps(60, epochRunning: true));
        Assert.Equal("100 steps since the last", plan.DueAfterSteps(40, epochRunning: true));
        Assert.Null(plan.DueAfterSteps(0, epochRunning: false));

        plan.Start(At(1), "steps", epochEnd: false, T0);
        Assert.Null(plan.DueAfterSteps(500, epochRunning: true)); // one is in flight
    }

    [Fact]
    public void CheckpointPlan_is_due_on_the_clock_after_every_seconds_since_the_last_one_started()
    {
        var plan = Plan(everySeconds: 30);

        Assert.True(plan.ClockNeeded);
        Assert.Null(plan.DueOnClock(TimeSpan.FromSeconds(29), epochRunning: true));
        Assert.Equal("30 s since the last", plan.DueOnClock(TimeSpan.FromSeconds(30), epochRunning: true));
        var record = plan.Start(At(1), "clock", epochEnd: false, TimeSpan.FromSeconds(30))!;
        plan.Failed(record.Id, epochComplete: false);
        Assert.Null(plan.DueOnClock(TimeSpan.FromSeconds(59), epochRunning: true));
        Assert.NotNull(plan.DueOnClock(TimeSpan.FromSeconds(60), epochRunning: true));
    }

    [Fact]
    public void CheckpointPlan_takes_nothing_when_checkpoints_are_off()
    {
        var plan = new CheckpointPlan(enabled: false, shards: 1, keep: 3, epochs: 2, everySteps: 1, everySeconds: 1);

        Assert.False(plan.ClockNeeded);
        Assert.Null(plan.DueAfterSteps(10, epochRunning: true));
        Assert.Null(plan.Start(At(1), "off", epochEnd: true, T0));
        Assert.False(plan.FinalDue);
    }

    [Fact]
    public void CheckpointPlan_counts_a_checkpoint_only_once_every_shard_wrote_it_and_the_journal_recorded_it()
    {
        var plan = Plan();
        var record = plan.Start(At(2, [0, 3], 40), "test", epochEnd: false, T0)!;

        Assert.Equal(1, record.Id);
        Assert.Null(plan.ShardWritten(record.Id, 0, 10, 0.1));
        Assert.Null(plan.ShardWritten(record.Id, 0, 10, 0.1)); // a repeated answer counts once
        var journaled = plan.ShardWritten(record.Id, 1, 20, 0.3);
        Assert.Equal(30, journaled!.Bytes);
        Assert.Equal(0, plan.CompleteCount);
        Assert.Equal(1, plan.InFlight);

        var saved = plan.Recorded(journaled, TimeSpan.FromSeconds(2))!;
        Assert.Equal((2.0, 0.3), (saved.Seconds, saved.LongestCopy));
        Assert.Equal((1, 1L, 0), (plan.CompleteCount, plan.LastCompleteId, plan.InFlight));
        Assert.Null(plan.Recorded(journaled, TimeSpan.FromSeconds(3))); // only once
    }

    [Fact]
    public void CheckpointPlan_keeps_the_newest_k_and_never_drops_the_best_one()
    {
        var plan = Plan(keep: 2);

        Complete(plan, At(2, best: true), epochEnd: true);
        Complete(plan, At(3), epochEnd: true);
        var third = Complete(plan, At(4), epochEnd: true);
        var fourth = Complete(plan, At(5), epochEnd: true);

        Assert.Empty(third.Dropped); // checkpoint 1 is the best: kept beyond k
        Assert.Equal([2L], fourth.Dropped);
        Assert.Equal((1L, 3), (plan.BestId, plan.CompleteCount));
    }

    [Fact]
    public void CheckpointPlan_retries_a_failed_mid_epoch_checkpoint_while_the_epoch_runs()
    {
        var plan = Plan();
        var record = plan.Start(At(1, [0]), "steps", epochEnd: false, T0)!;

        var failure = plan.Failed(record.Id, epochComplete: false)!;

        Assert.False(failure.GivesUp);
        Assert.Null(plan.Failed(record.Id, epochComplete: false)); // only once
        Assert.Equal(new CheckpointPlan.Retry(CheckpointPlan.RetryAction.Take, "retry of a failed one"), plan.RetryNow(epochRunning: true));
    }

    [Fact]
    public void CheckpointPlan_retry_waits_while_another_checkpoint_is_in_flight()
    {
        var plan = Plan();
        var failed = plan.Start(At(1), "a", epochEnd: false, T0)!;
        plan.Failed(failed.Id, epochComplete: false);
        plan.Start(At(1), "b", epochEnd: false, T0);

        Assert.Equal(CheckpointPlan.RetryAction.Nothing, plan.RetryNow(epochRunning: true).Action);
    }

    [Fact]
    public void CheckpointPlan_retries_the_final_checkpoint_three_times_then_gives_up()
    {
        var plan = Plan(epochs: 2);
        var record = plan.Start(At(3), "end of epoch 2", epochEnd: true, T0)!;
        Assert.True(plan.FinalDue);

        for (var attempt = 1; attempt <= CheckpointPlan.FinalRetries; attempt++)
        {
            Assert.False(plan.Failed(record.Id, epochComplete: true)!.GivesUp);
            Assert.Equal(1, plan.InFlight); // the job waits for the retry
            var retry = plan.RetryNow(epochRunning: false);
            Assert.Equal(new CheckpointPlan.Retry(CheckpointPlan.RetryAction.TakeFinal, $"retry {attempt} of 3 of the final one"), retry);
            record = plan.Start(At(3), retry.Why, epochEnd: true, T0)!;
        }

        var last = plan.Failed(record.Id, epochComplete: true)!;
        Assert.True(last.GivesUp);
        Assert.Equal(-1, last.LastCompleteId);
        Assert.Equal(0, plan.InFlight);
        Assert.True(plan.FinalDue); // the job ends saying its final parameters are not saved
    }

    [Fact]
    public void CheckpointPlan_final_checkpoint_once_recorded_is_no_longer_due()
    {
        var plan = Plan(epochs: 2);

        Complete(plan, At(3), epochEnd: true);

        Assert.False(plan.FinalDue);
        Assert.Equal(CheckpointPlan.RetryAction.FinishIfDone, plan.RetryNow(epochRunning: false).Action);
    }

    [Fact]
    public void CheckpointPlan_after_early_stopping_the_stopped_epochs_end_checkpoint_is_the_final_one()
    {
        var plan = Plan(epochs: 10);
        plan.StoppedEarlyAfter(4);

        plan.Start(At(5), "end of epoch 4", epochEnd: true, T0);
        Assert.True(plan.FinalDue);

        Complete(plan, At(5), epochEnd: true);
        Assert.False(plan.FinalDue);
    }

    [Fact]
    public void CheckpointPlan_fails_with_the_journal_only_the_checkpoints_every_shard_wrote()
    {
        var plan = Plan();
        var written = plan.Start(At(1), "a", epochEnd: false, T0)!;
        plan.ShardWritten(written.Id, 0, 1, 0);
        plan.ShardWritten(written.Id, 1, 1, 0);
        var halfWritten = plan.Start(At(1), "b", epochEnd: false, T0)!;
        plan.ShardWritten(halfWritten.Id, 0, 1, 0);

        Assert.Equal([written.Id], plan.AwaitingJournal());
    }

    [Fact]
    public void CheckpointPlan_of_a_resumed_job_goes_on_after_its_checkpoints_and_knows_the_best()
    {
        var resumed = new[] { At(2) with { Id = 4, Best = true }, At(3) with { Id = 7 } };
        var plan = Plan(resumed: resumed);

        Assert.Equal((2, 7L, 4L), (plan.CompleteCount, plan.LastCompleteId, plan.BestId));
        Assert.Equal(8, plan.Start(At(3), "next", epochEnd: false, T0)!.Id);

        plan.Unusable(7); // the newest cannot be loaded: it no longer counts
        Assert.Equal((1, 4L), (plan.CompleteCount, plan.LastCompleteId));
    }
}
