// WorkerRoster without an actor system: worker numbers, idle workers getting partitions, a stopped worker's
// partitions going back to the queue, and the per-worker status.
using Dtrain.Coordinator;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Coordinator.Tests;

public sealed class WorkerRosterTests
{
    [Fact]
    public void WorkerRoster_numbers_workers_in_the_order_they_join_and_adds_each_once()
    {
        var roster = new WorkerRoster<string>();

        Assert.Equal(0, roster.Add("a"));
        Assert.Equal(1, roster.Add("b", "node-b", "cuda"));
        Assert.Equal(-1, roster.Add("a"));
        Assert.Equal((2, 1, "local", "node-b"), (roster.Count, roster.IndexOf("b"), roster.Node(0), roster.Node(1)));
    }

    [Fact]
    public void WorkerRoster_hands_an_asking_worker_the_next_partition_and_keeps_it_waiting_when_none_is_left()
    {
        var roster = new WorkerRoster<string>();
        roster.Add("a");
        var epoch = new PartitionSchedule(8, 4, seed: 1, epoch: 1);

        Assert.NotNull(roster.RequestWork(0, epoch));
        Assert.NotNull(roster.RequestWork(0, epoch));
        Assert.Null(roster.RequestWork(0, epoch)); // waits

        var next = new PartitionSchedule(8, 4, seed: 1, epoch: 2);
        var assigned = Assert.Single(roster.AssignWaiting(next)); // the next epoch starts: the waiting worker gets one
        Assert.Equal(0, assigned.Worker);
        Assert.Empty(roster.AssignWaiting(next)); // it no longer waits
    }

    [Fact]
    public void WorkerRoster_gives_a_stopped_workers_partitions_to_a_waiting_worker()
    {
        var roster = new WorkerRoster<string>();
        roster.Add("a");
        roster.Add("b");
        roster.Join(0);
        roster.Join(1);
        var epoch = new PartitionSchedule(4, 4, seed: 1, epoch: 1); // one partition
        var p = roster.RequestWork(0, epoch);
        Assert.Null(roster.RequestWork(1, epoch));

        Assert.Equal(1, roster.Stopped(0, epoch));

        Assert.Equal(1, roster.LiveCount);
        Assert.Equal([(1, p!.Value)], roster.AssignWaiting(epoch));
    }

    [Fact]
    public void WorkerRoster_status_sums_each_workers_reports_and_marks_stopped_workers_gone()
    {
        var roster = new WorkerRoster<string>();
        roster.Add("a", "node-a", "cpu");
        roster.Add("b", "node-b", "cuda");
        roster.Join(0);
        roster.Join(1);
        roster.Tally(new PartitionDone(1, 1, 0, Examples: 100, Steps: 4, LossSum: 1, ComputeSeconds: 2));
        roster.Tally(new PartitionDone(1, 1, 1, Examples: 100, Steps: 4, LossSum: 1, ComputeSeconds: 2));
        roster.Stopped(0, null);

        var status = roster.Statuses();

        Assert.Equal(("node-a (gone)", 0, "cpu"), (status[0].Node, status[0].PartitionsDone, status[0].Device));
        Assert.Equal(("node-b", 2, 8L, 50.0), (status[1].Node, status[1].PartitionsDone, status[1].Steps, status[1].ExamplesPerSecond));
    }
}
