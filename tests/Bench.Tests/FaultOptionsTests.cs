// Options of dtrain-bench faults: what they default to, and one line naming the option for a bad one.
using System.Diagnostics;
using Dtrain.Bench.Faults;

namespace Dtrain.Bench.Tests;

public sealed class FaultOptionsTests
{
    [Fact]
    public void Options_are_read_and_default_to_six_runs_over_every_role()
    {
        // Act
        var defaults = FaultOptions.Parse([]);
        var given = FaultOptions.Parse(["--runs", "3", "--seed", "2", "--roles", "ps,coordinator", "--markdown", "--epochs", "1"]);

        // Assert
        Assert.Equal((6, 1, false), (defaults.Runs, defaults.Seed, defaults.Markdown));
        Assert.Equal(["worker", "ps", "coordinator"], defaults.Roles);
        Assert.Equal((3, 2, true, 1), (given.Runs, given.Seed, given.Markdown, given.Epochs));
        Assert.Equal(["ps", "coordinator"], given.Roles);
    }

    [Theory]
    [InlineData("--runs", "0", "--runs must be a whole number from 1 to 1000, got '0'")]
    [InlineData("--runs", "six", "--runs must be a whole number from 1 to 1000, got 'six'")]
    [InlineData("--seed", "-1", "--seed must be a whole number")]
    [InlineData("--roles", "worker,gpu", "--roles: unknown role 'gpu'")]
    [InlineData("--roles", ",", "--roles names no role")]
    [InlineData("--runs", "1\n2", "got '1?2'")]
    [InlineData("--bogus", "1", "unknown option '--bogus'")]
    public void A_bad_option_is_one_line_naming_it(string option, string value, string expected)
    {
        // Act
        var e = Assert.Throws<ArgumentException>(() => FaultOptions.Parse([option, value]));

        // Assert
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void An_option_without_its_value_is_one_line()
    {
        // Act
        var e = Assert.Throws<ArgumentException>(() => FaultOptions.Parse(["--seed"]));

        // Assert
        Assert.Equal("faults: --seed needs a value", e.Message);
    }

    [Fact]
    public async Task The_bench_exits_2_with_one_line_on_stderr_for_a_bad_option()
    {
        // Arrange: the real executable, as a user runs it.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "dtrain-bench.dll"), "faults", "--roles", "gpu" })
        {
            start.ArgumentList.Add(a);
        }

        // Act
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        // Assert
        Assert.Equal(2, process.ExitCode);
        Assert.Equal("", await stdout);
        var line = Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.StartsWith("dtrain-bench: faults: --roles: unknown role 'gpu'", line);
    }
}
