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
    [InlineData(1, 1407)]
    [InlineData(2, 469)]
    [InlineData(3, 100_000)]
    [InlineData(4, 40)]
    public void Every_fault_starts_after_training_began_and_before_the_job_ends(int seed, long jobSteps)
    {
        // Act
        var faults = FaultPlan.Draw(seed, 50, FaultPlan.Roles, jobSteps, workers: 3, psNodes: 2);

        // Assert: rounding to a whole step may move a moment by half a step.
        Assert.Equal(50, faults.Count);
        Assert.All(faults, f => Assert.InRange((double)f.AtStep, Math.Max(1, (jobSteps * FaultPlan.Earliest) - 0.5), (jobSteps * FaultPlan.Latest) + 0.5));
        Assert.Contains(faults, f => f.Kind == FaultKind.Pause && f.AtStep > jobSteps / 2); // pauses hit late phases too
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
