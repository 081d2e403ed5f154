// RestorePlan without an actor system: a resumed job loads its newest checkpoint, falls back one at a time, and
// counts only the current attempt's shard answers.
using Dtrain.Coordinator;
using static Dtrain.Protocol.Persistence.JobEvents;

namespace Dtrain.Coordinator.Tests;

public sealed class RestorePlanTests
{
    private static CheckpointRecord Checkpoint(long id, long steps) => new(id, 2, [], steps, 0, 0, 0, 0, [], 2, 0, DateTime.UnixEpoch);

    [Fact]
    public void RestorePlan_of_a_new_job_loads_initial_values_and_restores_nothing()
    {
        var plan = new RestorePlan(shards: 2, []);

        Assert.Null(plan.Begin(requestId: 11));
        Assert.False(plan.ShardReady(0));
        Assert.True(plan.ShardReady(1));
        Assert.Null(plan.TakeRestored());
    }

    [Fact]
    public void RestorePlan_starts_from_the_newest_checkpoint()
    {
        var plan = new RestorePlan(shards: 2, [Checkpoint(3, 100), Checkpoint(5, 200)]);

        Assert.Equal(5, plan.Begin(requestId: 11)!.Id);
        Assert.Equal(5, plan.Restoring!.Id);
    }

    [Fact]
    public void RestorePlan_falls_back_to_the_checkpoint_before_and_ignores_answers_to_the_attempt_before()
    {
        var plan = new RestorePlan(shards: 2, [Checkpoint(3, 100), Checkpoint(5, 200)], lostSteps: 7);
        plan.Begin(requestId: 11);
        Assert.False(plan.ShardReady(0));

        var fallback = plan.FallBack(requestId: 12);

        Assert.Equal((5L, 3L), (fallback.Failed.Id, fallback.Previous!.Id));
        Assert.True(plan.IsStale(11)); // shard 0's late answer to checkpoint 5 must not count
        Assert.False(plan.IsStale(12));
        Assert.False(plan.ShardReady(1)); // the attempt starts with no shard ready
        Assert.True(plan.ShardReady(0));

        var (from, lost) = plan.TakeRestored()!.Value;
        Assert.Equal(3, from.Id);
        Assert.Equal(7 + (200 - 100), lost); // the journal's lost steps, plus those of the checkpoint given up
        Assert.Null(plan.Restoring);
    }

    [Fact]
    public void RestorePlan_with_no_older_checkpoint_left_has_nothing_to_fall_back_to()
    {
        var plan = new RestorePlan(shards: 1, [Checkpoint(3, 100)]);
        plan.Begin(requestId: 11);

        var fallback = plan.FallBack(requestId: 12);

        Assert.Equal(3, fallback.Failed.Id);
        Assert.Null(fallback.Previous);
        Assert.Null(plan.Restoring);
    }

    [Fact]
    public void RestorePlan_from_the_newest_checkpoint_loses_only_the_journals_steps()
    {
        var plan = new RestorePlan(shards: 1, [Checkpoint(3, 100), Checkpoint(5, 200)], lostSteps: 7);
        plan.Begin(requestId: 11);
        plan.ShardReady(0);

        var restored = plan.TakeRestored()!.Value;
        Assert.Equal((5L, 7L), (restored.From.Id, restored.LostSteps));
        Assert.Null(plan.TakeRestored()); // taken once
    }
}
