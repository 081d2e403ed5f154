// Load ordering without an actor system: a resent request is answered again rather than loaded twice, an older
// request a newer one replaced is dropped, and the snapshot read of a replaced restore does not land.
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer.Tests;

public sealed class LoadOrderTests
{
    private static readonly OptimizerSpec Sgd = new("sgd", 0.1f, 0f, 0.9f, 0.999f, 1e-8f, 0f);

    [Fact]
    public void LoadOrder_answers_a_resent_request_again_without_loading_it_twice()
    {
        // Arrange
        var loads = new LoadOrder<string>();
        Assert.IsType<LoadStart.New>(loads.Begin(12, "first session"));
        var ready = new ShardReady(0, 49, 12);
        Assert.Equal("first session", loads.Ended(ready));

        // Act: the bulk channel resends the request after a reconnect.
        var again = loads.Begin(12, "second session");

        // Assert
        Assert.Equal(new LoadStart.Repeated(ready), again);
    }

    [Fact]
    public void LoadOrder_sends_the_answer_of_a_load_still_reading_to_the_sender_of_its_copy()
    {
        var loads = new LoadOrder<string>();
        loads.Begin(12, "first session");

        var again = loads.Begin(12, "second session");

        Assert.Equal(new LoadStart.Repeated(null), again);
        Assert.Equal("second session", loads.Ended(new ShardReady(0, 49, 12)));
    }

    [Fact]
    public void LoadOrder_drops_a_copy_of_an_older_request_that_a_newer_one_replaced()
    {
        // Arrange
        var loads = new LoadOrder<string>();
        loads.Begin(22, "coordinator");
        loads.Begin(23, "coordinator");

        // Act
        var old = loads.Begin(22, "coordinator");

        // Assert
        Assert.Equal(new LoadStart.Replaced(23), old);
    }

    [Fact]
    public void LoadOrder_drops_the_snapshot_read_of_a_restore_a_newer_load_replaced()
    {
        // Arrange: restore 22 starts reading; restore 23 replaces it and reads too.
        var loads = new LoadOrder<string>();
        var first = Assert.IsType<LoadStart.New>(loads.Begin(22, "coordinator"));
        loads.Reading(Restore(2, 22));
        var second = Assert.IsType<LoadStart.New>(loads.Begin(23, "coordinator"));
        loads.Reading(Restore(1, 23));

        // Act: both reads come back, the replaced one first.
        var stale = loads.ReadEnded(first.Attempt);
        var current = loads.ReadEnded(second.Attempt);
        var twice = loads.ReadEnded(second.Attempt);

        // Assert
        Assert.Null(stale);
        Assert.Equal(23, current!.RequestId);
        Assert.Null(twice);
    }

    [Fact]
    public void LoadOrder_drops_a_snapshot_read_after_an_init_replaced_its_restore()
    {
        var loads = new LoadOrder<string>();
        var restore = Assert.IsType<LoadStart.New>(loads.Begin(0, "coordinator"));
        loads.Reading(Restore(1, 0));

        Assert.IsType<LoadStart.New>(loads.Begin(0, "coordinator"));

        Assert.Null(loads.ReadEnded(restore.Attempt));
    }

    [Fact]
    public void LoadOrder_takes_every_request_numbered_zero_as_new()
    {
        var loads = new LoadOrder<string>();
        loads.Begin(0, "test");
        loads.Ended(new ShardReady(0, 1));

        Assert.IsType<LoadStart.New>(loads.Begin(0, "test"));
    }

    private static RestoreShard Restore(long checkpoint, long requestId) => new(0, [new(0, 0, 0, 4)], Sgd, 0, checkpoint, "dtrain/job/shard-0", requestId);
}
