// Reading what a job ended with from the summary file dtrain submit writes.
using Dtrain.Bench.Faults;

namespace Dtrain.Bench.Tests;

public sealed class JobOutcomeTests
{
    [Fact]
    public void The_summary_gives_accuracy_steps_the_lowest_shard_version_and_the_steps_retrained()
    {
        // Arrange
        const string json = """
            {"test_accuracy": 0.9771, "resumed_from": 4, "lost_steps": 57, "steps": 1407,
             "shards": [{"shard": 0, "version": 1407}, {"shard": 1, "version": 1399}],
             "history": [{"epoch": 1, "partitions_trained": 19, "partitions": 19}, {"epoch": 2, "partitions_trained": 19, "partitions": 19}]}
            """;

        // Act
        var o = JobOutcome.FromSummary(json, wallSeconds: 98.5, restarts: 1);

        // Assert
        Assert.True(o.Completed);
        Assert.Equal(0.9771, o.Accuracy);
        Assert.Equal(1407, o.StepsInJob);
        Assert.Equal(1399, o.StepsApplied);
        Assert.Equal(57, o.StepsRetrained);
        Assert.True(o.EveryPartitionTrained);
        Assert.Equal(1, o.Restarts);
        Assert.Equal("resumed from checkpoint 4", o.Note);
    }

    [Fact]
    public void A_summary_without_steps_or_shards_leaves_them_unknown_and_an_untrained_partition_shows()
    {
        // Arrange: an older dtrain's summary.
        const string json = """{"test_accuracy": 0.97, "resumed_from": -1, "lost_steps": 0, "history": [{"epoch": 1, "partitions_trained": 18, "partitions": 19}]}""";

        // Act
        var o = JobOutcome.FromSummary(json, 90, 0);

        // Assert
        Assert.Null(o.StepsInJob);
        Assert.Null(o.StepsApplied);
        Assert.False(o.EveryPartitionTrained);
    }
}
