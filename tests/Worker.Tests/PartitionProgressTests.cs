// The worker's next-step decision and partition tally without an actor system: wait, pull, compute or finish, and
// what PartitionDone reports.
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Worker.Tests;

public sealed class PartitionProgressTests
{
    private static readonly AssignPartition TenExamples = new(2, 7, Enumerable.Range(0, 10).ToArray());

    [Fact]
    public void A_worker_waits_while_a_pull_is_answered()
    {
        var progress = new PartitionProgress(TenExamples);

        Assert.Equal(NextStep.Wait, progress.Next(pulling: true, mostPushesInFlight: 0, mustPull: false));
    }

    [Fact]
    public void A_worker_pulls_when_it_must_and_otherwise_computes()
    {
        var progress = new PartitionProgress(TenExamples);

        Assert.Equal(NextStep.Pull, progress.Next(pulling: false, mostPushesInFlight: 0, mustPull: true));
        Assert.Equal(NextStep.Compute, progress.Next(pulling: false, mostPushesInFlight: PushPipeline.MaxInFlight - 1, mustPull: false));
    }

    [Fact]
    public void A_worker_waits_while_some_shard_has_the_most_pushes_unacknowledged()
    {
        var progress = new PartitionProgress(TenExamples);

        Assert.Equal(NextStep.Wait, progress.Next(pulling: false, mostPushesInFlight: PushPipeline.MaxInFlight, mustPull: true));
    }

    [Fact]
    public void A_trained_partition_is_finished_only_once_every_push_is_acknowledged()
    {
        var progress = new PartitionProgress(TenExamples);
        progress.Stepped(10, 0);

        Assert.Equal(NextStep.Wait, progress.Next(pulling: false, mostPushesInFlight: 1, mustPull: true));
        Assert.Equal(NextStep.Finish, progress.Next(pulling: false, mostPushesInFlight: 0, mustPull: true));
    }

    [Fact]
    public void The_last_batch_takes_the_examples_left_and_ends_the_partition()
    {
        var progress = new PartitionProgress(TenExamples);
        progress.Stepped(progress.NextBatch(4), 0);
        progress.Stepped(progress.NextBatch(4), 0);

        Assert.Equal(2, progress.NextBatch(4));
        Assert.False(progress.Ends(1));
        Assert.True(progress.Ends(2));
    }

    [Fact]
    public void The_report_sums_steps_and_losses_and_keeps_the_largest_lag_a_step_started_with()
    {
        var progress = new PartitionProgress(TenExamples);
        progress.Starting(lag: 2);
        progress.AddLoss(4.0);
        progress.Stepped(6, System.Diagnostics.Stopwatch.Frequency);
        progress.Starting(lag: 1);
        progress.AddLoss(1.5);
        progress.Stepped(4, System.Diagnostics.Stopwatch.Frequency);

        var done = progress.Report(workerId: 3);

        Assert.Equal((3, 2, 7, 10, 2, 5.5, 2.0, 2L), (done.WorkerId, done.Epoch, done.PartitionId, done.Examples, done.Steps, done.LossSum, done.ComputeSeconds, done.MaxParameterLag));
    }
}
