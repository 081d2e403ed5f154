// Recovery with real processes and a real database: a parameter-server process is killed mid-job and a new one
// takes its place; the coordinator's process is killed and the standby coordinator resumes the job from its journal.
using System.Text.Json;
using Xunit.Abstractions;

namespace Dtrain.Cluster.Tests;

public sealed class ClusterRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(5);
    private readonly LocalCluster _cluster = new();
    private readonly ITestOutputHelper _output = output;
    private readonly string _summary = Path.Combine(Path.GetTempPath(), $"dtrain-recovery-{Guid.NewGuid():N}.json");

    [Fact]
    public void Killing_a_parameter_server_process_pauses_the_job_which_resumes_from_the_last_checkpoint_on_a_new_ps_node()
    {
        // Arrange
        _cluster.StartNode("coordinator");
        var ps = new[] { _cluster.StartNode("ps"), _cluster.StartNode("ps") };
        StartWorkers(2);
        var submit = Submit("--checkpoint-steps", "50");

        // Act: once two checkpoints are complete, the second PS process dies; a new one starts in its place.
        Assert.True(submit.WaitFor("checkpoint 2 saved", JobTimeout), $"no checkpoint:\n{submit.Output}\n{_cluster.Logs()}");
        ps[1].Kill();
        Assert.True(submit.WaitFor("training pauses until 2 shard(s) are registered", JobTimeout), $"the pause was not reported:\n{submit.Output}\n{_cluster.Logs()}");
        _cluster.StartNode("ps");
        var finished = submit.Process.WaitForExit(JobTimeout);

        // Assert
        Assert.True(finished, $"the job did not finish after a PS node died:\n{submit.Output}\n{_cluster.Logs()}");
        submit.Process.WaitForExit();
        Assert.True(submit.Process.ExitCode == 0, $"submit exited {submit.Process.ExitCode}:\n{submit.Output}\n{_cluster.Logs()}");
        Assert.Matches(@"resumed from checkpoint \d+ \(parameter shard ps-0 on .+ stopped\): epoch \d, \d+ of \d+ partitions done, step [\d,]+; [\d,]+ step\(s\) trained after it are trained again", submit.Output);
        AssertCompleted(submit.Output);
    }

    [Fact]
    public void Killing_the_coordinator_process_hands_the_job_to_the_standby_coordinator_which_resumes_it_from_the_journal()
    {
        // Arrange: the singleton runs on the oldest coordinator node, the seed; the second one stands by.
        var first = _cluster.StartNode("coordinator");
        var standby = _cluster.StartNode("coordinator");
        _cluster.StartNode("ps");
        _cluster.StartNode("ps");
        StartWorkers(2);
        Assert.True(standby.WaitFor(" up, roles ", JobTimeout), standby.Output);
        var submit = Submit("--checkpoint-steps", "50", "--cluster", standby.Endpoint);

        // Act
        Assert.True(submit.WaitFor("checkpoint 2 saved", JobTimeout), $"no checkpoint:\n{submit.Output}\n{_cluster.Logs()}");
        first.Kill();
        var finished = submit.Process.WaitForExit(JobTimeout);

        // Assert
        Assert.True(finished, $"the job did not finish after the coordinator died:\n{submit.Output}\n{_cluster.Logs()}");
        submit.Process.WaitForExit();
        Assert.True(submit.Process.ExitCode == 0, $"submit exited {submit.Process.ExitCode}:\n{submit.Output}\n{_cluster.Logs()}");
        Assert.Contains("took over job", submit.Output);
        Assert.Matches(@"resumed from checkpoint \d+ \(a new coordinator took over\)", submit.Output);
        AssertCompleted(submit.Output);
    }

    [Fact]
    public void Killing_every_process_then_starting_the_cluster_again_on_the_same_database_resumes_and_finishes_the_job()
    {
        // Arrange: a whole cluster and its client, all killed once two checkpoints are complete.
        var first = new[] { _cluster.StartNode("coordinator"), _cluster.StartNode("ps"), _cluster.StartNode("ps") };
        StartWorkers(2);
        var submit = Submit("--checkpoint-steps", "50");
        Assert.True(submit.WaitFor("checkpoint 2 saved", JobTimeout), $"no checkpoint:\n{submit.Output}\n{_cluster.Logs()}");
        var jobId = System.Text.RegularExpressions.Regex.Match(submit.Output, @"submitted to \S+ as (\S+):").Groups[1].Value;
        _cluster.KillAll();

        // Act: the same state folder, new processes; nobody submits anything.
        using var again = new LocalCluster(_cluster.StateDir);
        var coordinator = again.StartNode("coordinator");
        again.StartNode("ps");
        again.StartNode("ps");
        var threads = Math.Max(1, Environment.ProcessorCount / 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        again.StartNode("worker", "--threads", threads);
        again.StartNode("worker", "--threads", threads);
        var ended = coordinator.WaitFor($"job {jobId} ended: ", JobTimeout);
        var status = again.Run(TimeSpan.FromMinutes(1), "status", "--cluster", again.Seed).Output;

        // Assert
        Assert.True(ended, $"the job did not end:\n{coordinator.Output}\n{again.Logs()}");
        Assert.Contains($"job {jobId} ended: completed", coordinator.Output);
        Assert.Matches($@"{jobId}\s+completed\s+2/2", status);
        Assert.Matches(@"\n0\s+\S+\s+cpu (avx512|avx2|portable) x\d+\s", status); // each worker's device, as the node chose it
        Assert.Contains($"job {jobId} was running when the previous coordinator stopped", coordinator.Output + again.Logs());
    }

    public void Dispose()
    {
        _cluster.Dispose();
        File.Delete(_summary);
    }

    private void StartWorkers(int workers)
    {
        var threads = Math.Max(1, Environment.ProcessorCount / workers).ToString(System.Globalization.CultureInfo.InvariantCulture);
        for (var w = 0; w < workers; w++)
        {
            _cluster.StartNode("worker", "--threads", threads);
        }
    }

    private NodeProcess Submit(params string[] extra)
    {
        var cluster = extra.Contains("--cluster") ? [] : new[] { "--cluster", _cluster.Seed };
        return _cluster.Start("submit", ["submit", LocalCluster.Example("mnist-mlp.json"), .. cluster, "--workers", "2", "--ps-shards", "2", "--epochs", "2", "--timeout", "60", "--summary", _summary, .. extra]);
    }

    /// <summary>
    /// Two epochs, every partition of each trained, every step after the restore applied once on every shard (each
    /// step pushes once to each shard), and a model that learned: mnist-mlp reaches about 97.5 % unfaulted and 96.7 %
    /// after one epoch, so 90 % is a floor that says training happened, not a margin a loaded machine can miss.
    /// </summary>
    private void AssertCompleted(string output)
    {
        using var summary = JsonDocument.Parse(File.ReadAllText(_summary));
        var root = summary.RootElement;
        Assert.Equal(2, root.GetProperty("epochs").GetInt32());
        Assert.True(root.GetProperty("resumed_from").GetInt64() >= 1, output);
        foreach (var epoch in root.GetProperty("history").EnumerateArray())
        {
            Assert.Equal(epoch.GetProperty("partitions").GetInt32(), epoch.GetProperty("partitions_trained").GetInt32());
        }

        var resumedAt = long.Parse(System.Text.RegularExpressions.Regex.Match(output, @"resumed from checkpoint \d+ \([^)]*\): epoch \d+, \d+ of \d+ partitions done, step ([\d,]+)").Groups[1].Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);
        var stepsAfter = root.GetProperty("history").EnumerateArray().Last().GetProperty("steps").GetInt64() - resumedAt;
        foreach (var shard in root.GetProperty("shards").EnumerateArray())
        {
            Assert.True(shard.GetProperty("pushes_applied").GetInt64() == stepsAfter, $"shard {shard.GetProperty("shard").GetInt32()} applied {shard.GetProperty("pushes_applied").GetInt64()} pushes after the restore, but {stepsAfter} steps were trained after it:\n{output}");
            Assert.Equal(0, shard.GetProperty("duplicates_ignored").GetInt64());
        }

        Assert.True(root.GetProperty("test_accuracy").GetDouble() >= 0.90, $"test accuracy {root.GetProperty("test_accuracy").GetDouble():P2}:\n{output}");
        _output.WriteLine($"test accuracy {root.GetProperty("test_accuracy").GetDouble():P2}, resumed from checkpoint {root.GetProperty("resumed_from").GetInt64()}, {root.GetProperty("lost_steps").GetInt64()} steps trained again, {root.GetProperty("wall_seconds").GetDouble():F1} s");
    }
}
