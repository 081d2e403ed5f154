// The fault plan of dtrain-bench faults: a seed replays the same faults, and every fault lands inside the job.
using Dtrain.Bench.Faults;

namespace Dtrain.Bench.Tests;

public sealed class FaultPlanTests
{
    [Fact]
    public void The_same_seed_draws_the_same_faults()
    {
        // Arrange / Act
        var first = FaultPlan.Draw(7, 12, FaultPlan.Roles, 120, workers: 2, psNodes: 2);
        var again = FaultPlan.Draw(7, 12, FaultPlan.Roles, 120, workers: 2, psNodes: 2);
        var other = FaultPlan.Draw(8, 12, FaultPlan.Roles, 120, workers: 2, psNodes: 2);

        // Assert
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Theory]
    [InlineData(1, 40.0)]
    [InlineData(2, 120.0)]
    [InlineData(3, 600.0)]
    [InlineData(4, 5.0)]
    public void Every_fault_starts_after_training_began_and_before_the_unfaulted_job_ends(int seed, double jobSeconds)
    {
        // Act
        var faults = FaultPlan.Draw(seed, 50, FaultPlan.Roles, jobSeconds, workers: 3, psNodes: 2);

        // Assert: rounding to a tenth of a second may move a moment by 0.05 s.
        Assert.Equal(50, faults.Count);
        Assert.All(faults, f => Assert.InRange(f.AtSeconds, (jobSeconds * FaultPlan.Earliest) - 0.05, (jobSeconds * FaultPlan.Latest) + 0.05));
        Assert.Contains(faults, f => f.Kind == FaultKind.Pause && f.AtSeconds > jobSeconds / 2); // pauses hit late phases too
    }

    [Fact]
    public void Six_runs_over_three_roles_kill_and_pause_each_role_once()
    {
        // Act
        var faults = FaultPlan.Draw(1, 6, FaultPlan.Roles, 100, workers: 2, psNodes: 2);

        // Assert
        var pairs = faults.Select(f => (f.Role, f.Kind)).ToHashSet();
        Assert.Equal(6, pairs.Count);
        Assert.Equal([1, 2, 3, 4, 5, 6], faults.Select(f => f.Run));
    }

    [Fact]
    public void Faults_hit_only_the_roles_asked_for_and_instances_that_exist()
    {
        // Act
        var faults = FaultPlan.Draw(5, 40, ["ps", "coordinator"], 100, workers: 4, psNodes: 3);

        // Assert
        Assert.All(faults, f => Assert.Contains(f.Role, new[] { "ps", "coordinator" }));
        Assert.All(faults.Where(f => f.Role == "ps"), f => Assert.InRange(f.Instance, 0, 2));
        Assert.All(faults.Where(f => f.Role == "coordinator"), f => Assert.Equal(0, f.Instance));
    }
}
