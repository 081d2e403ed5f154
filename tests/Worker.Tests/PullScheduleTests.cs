// When the worker pulls, without an actor system: before a job's first step and every n_fetch steps after, answered
// once every shard has answered, and ids and the step count carried on from the job before.
namespace Dtrain.Worker.Tests;

public sealed class PullScheduleTests
{
    [Fact]
    public void A_job_pulls_before_its_first_step_then_every_n_fetch_steps()
    {
        var pulls = new PullSchedule(shards: 1, fetchEvery: 3, previous: null);
        var due = new List<bool>();

        for (var step = 0; step < 7; step++)
        {
            due.Add(pulls.Due);
            if (pulls.Due)
            {
                pulls.Start();
                pulls.Answered();
            }

            pulls.Stepped();
        }

        Assert.Equal([true, false, false, true, false, false, true], due);
    }

    [Fact]
    public void A_pull_is_answered_once_every_shard_has_answered_and_only_the_latest_is_current()
    {
        var pulls = new PullSchedule(shards: 2, fetchEvery: 1, previous: null);
        var first = pulls.Start();
        var second = pulls.Start();

        var afterOne = pulls.Answered();
        var pendingAfterOne = pulls.Pending;
        var afterBoth = pulls.Answered();

        Assert.Equal((false, true, true, false), (afterOne, pendingAfterOne, afterBoth, pulls.Pending));
        Assert.False(pulls.IsCurrent(first));
        Assert.True(pulls.IsCurrent(second));
    }

    [Fact]
    public void A_new_job_pulls_first_and_carries_on_the_request_ids_and_step_count_of_the_job_before()
    {
        var before = new PullSchedule(shards: 1, fetchEvery: 2, previous: null);
        var old = before.Start();
        before.Answered();
        before.Stepped();

        var after = new PullSchedule(shards: 1, fetchEvery: 2, previous: before);
        var firstDue = after.Due;
        var next = after.Start();
        after.Answered();

        Assert.True(firstDue);
        Assert.False(after.IsCurrent(old));
        Assert.True(next > old);

        // One step taken over the worker's life: the second (odd) is not a multiple of n_fetch.
        Assert.False(after.Due);
    }
}
