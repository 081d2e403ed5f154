// Bounded staleness on the worker's side without an actor system: the lag of each shard, when ssp holds a step,
// and that an old version heard of late is no news.
namespace Dtrain.Worker.Tests;

public sealed class StalenessTrackerTests
{
    [Fact]
    public void Ssp_holds_a_step_while_some_shards_parameters_lag_more_than_staleness_versions()
    {
        var versions = new StalenessTracker(shards: 2, bounded: true, staleness: 2);
        versions.Pulled(0, 5);
        versions.Pulled(1, 5);

        versions.HeardOf(1, 7);
        var atTheBound = versions.MayStart;
        versions.HeardOf(1, 8);
        var overTheBound = versions.MayStart;
        versions.Pulled(1, 8);

        Assert.True(atTheBound);
        Assert.False(overTheBound);
        Assert.True(versions.MayStart);
    }

    [Fact]
    public void Without_a_bound_every_step_may_start_and_the_lag_is_still_measured()
    {
        var versions = new StalenessTracker(shards: 1, bounded: false, staleness: 0);
        versions.Pulled(0, 1);

        versions.HeardOf(0, 10);

        Assert.True(versions.MayStart);
        Assert.Equal(9, versions.Lag);
    }

    [Fact]
    public void The_lag_is_the_largest_over_the_shards_and_zero_before_any_pull()
    {
        var versions = new StalenessTracker(shards: 3, bounded: true, staleness: 3);
        Assert.Equal(0, versions.Lag);
        Assert.Equal(-1, versions.InUse(2));

        versions.Pulled(0, 4);
        versions.Pulled(1, 4);
        versions.Pulled(2, 4);
        versions.HeardOf(0, 6);
        versions.HeardOf(2, 5);

        Assert.Equal(2, versions.Lag);
        Assert.Equal(4, versions.InUse(0));
    }

    [Fact]
    public void An_older_version_heard_of_later_is_no_news()
    {
        var versions = new StalenessTracker(shards: 1, bounded: true, staleness: 0);
        versions.Pulled(0, 3);
        versions.HeardOf(0, 6);

        versions.HeardOf(0, 4);

        Assert.Equal(3, versions.Lag);
    }
}
