// One job of dtrain-bench faults: a fresh local cluster trains the job while the bench injects (at most) one fault and
// restarts any node that ends, as a process supervisor (systemd, Kubernetes) would.
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Dtrain.Bench.Faults;

/// <summary>What every job of a bench run shares: the executable, the data, the job and its size.</summary>
public sealed record JobSetup(
    string DtrainDll,
    string DataDir,
    string JobFile,
    int Workers,
    int PsNodes,
    int Seed,
    IReadOnlyList<string> TrainArgs,
    TimeSpan Timeout,
    string LogRoot);

/// <summary>How one job went: its outcome, and when its fault landed (null: it had none, or ended first).</summary>
public sealed record JobRun(double? AtSeconds, int AtEpoch, long AtStep, JobOutcome Outcome);

/// <summary>Runs one job on a fresh cluster, with or without a fault.</summary>
public static partial class FaultyJob
{
    /// <summary>A node that ended is started again this long after.</summary>
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(1);

    /// <summary>More restarts than this of one node slot means it cannot run at all.</summary>
    private const int MaxRestartsPerSlot = 5;

    /// <summary>
    /// Starts two coordinators (the oldest runs the job; the other stands by to take it over), the PS and worker nodes,
    /// submits the job through the standby, injects <paramref name="fault"/> (none for the baseline) and waits for the
    /// client to end, within <see cref="JobSetup.Timeout"/>. Every process is killed before this returns.
    /// </summary>
    public static JobRun Run(JobSetup setup, Fault? fault, string label, Action<string> progress)
    {
        var folder = Path.Combine(setup.LogRoot, label);
        Directory.CreateDirectory(folder);
        var stateDir = Path.Combine(folder, "state");
        var summary = Path.Combine(folder, "summary.json");
        using var nodes = new LocalNodes(setup.DtrainDll, setup.DataDir, stateDir, folder);
        var restarts = 0;
        double? faultAt = null;
        var (atEpoch, atStep) = (0, 0L);
        try
        {
            // The cluster: the first coordinator seeds it; every other node joins through it. The client waits up to
            // 2 min for an answer: on a loaded machine 60 s was seen to pass before a fresh cluster answered.
            var threads = Math.Max(1, Environment.ProcessorCount / setup.Workers).ToString(CultureInfo.InvariantCulture);
            var active = nodes.StartNode(FaultPlan.Coordinator, []);
            string[] seed = [active.Endpoint];
            var standby = nodes.StartNode(FaultPlan.Coordinator, seed);
            var slots = new List<Slot> { new(active, []), new(standby, []) };
            slots.AddRange(Enumerable.Range(0, setup.PsNodes).Select(_ => new Slot(nodes.StartNode(FaultPlan.ParameterServer, seed), [])));
            slots.AddRange(Enumerable.Range(0, setup.Workers).Select(_ => new Slot(nodes.StartNode(FaultPlan.Worker, seed, "--threads", threads), ["--threads", threads])));
            if (!standby.WaitFor(" up, roles ", TimeSpan.FromMinutes(2)))
            {
                return new JobRun(null, 0, 0, JobOutcome.Failed(0, 0, "the cluster did not come up in 2 min"));
            }

            var submit = nodes.StartCommand("submit", [
                "submit", setup.JobFile, "--cluster", standby.Endpoint, "--seed", setup.Seed.ToString(CultureInfo.InvariantCulture),
                "--timeout", "120", "--summary", summary, .. setup.TrainArgs]);
            if (!submit.WaitFor(" submitted to ", TimeSpan.FromMinutes(3)))
            {
                return new JobRun(null, 0, 0, JobOutcome.Failed(0, 0, "not accepted: " + LastLine(submit.Output)));
            }

            progress($"{label}: job accepted; {setup.PsNodes} PS node(s), {setup.Workers} worker node(s), 2 coordinators");
            var clock = Stopwatch.StartNew();
            LocalNode? victim = null;
            var pausedUntil = TimeSpan.Zero;
            while (!submit.Exited && clock.Elapsed < setup.Timeout)
            {
                if (fault is not null && faultAt is null && Position(submit.Output) is var (epoch, step) && step >= fault.AtStep)
                {
                    victim = Target(slots, fault).Node;
                    (atEpoch, atStep) = (epoch, step);
                    faultAt = clock.Elapsed.TotalSeconds;
                    if (fault.Kind == FaultKind.Kill)
                    {
                        victim.Kill();
                    }
                    else
                    {
                        victim.Pause();
                        pausedUntil = clock.Elapsed + TimeSpan.FromSeconds(FaultPlan.PauseSeconds);
                    }

                    progress(string.Create(CultureInfo.InvariantCulture, $"{label}: {fault.Describe()} ({victim.Name}, pid {victim.Process.Id}) at {faultAt:F1} s, epoch {atEpoch}, step ≥{atStep:N0}"));
                }

                if (victim is { Paused: true } && clock.Elapsed >= pausedUntil)
                {
                    victim.Resume();
                    progress(string.Create(CultureInfo.InvariantCulture, $"{label}: {victim.Name} resumed (SIGCONT) at {clock.Elapsed.TotalSeconds:F1} s"));
                }

                restarts += Supervise(nodes, slots, label, clock, progress);
                Thread.Sleep(100);
            }

            var wall = clock.Elapsed.TotalSeconds;
            if (!submit.Exited)
            {
                return new JobRun(faultAt, atEpoch, atStep, JobOutcome.Failed(wall, restarts, string.Create(CultureInfo.InvariantCulture, $"no end within {setup.Timeout.TotalSeconds:F0} s")));
            }

            submit.Process.WaitForExit(); // the last lines
            var outcome = submit.Process.ExitCode == 0 && File.Exists(summary)
                ? JobOutcome.FromSummary(File.ReadAllText(summary), wall, restarts) with { StepsRetrainedSeen = RetrainedSteps(submit.Output) }
                : JobOutcome.Failed(wall, restarts, $"exit {submit.Process.ExitCode}: {LastLine(submit.Output)}");
            return new JobRun(faultAt, atEpoch, atStep, outcome);
        }
        finally
        {
            nodes.Dispose();
            TryDelete(stateDir);
        }
    }

    /// <summary>A node's place in the cluster: the process now in it and the extra flags it is started with.</summary>
    private sealed class Slot(LocalNode node, string[] extra)
    {
        public LocalNode Node { get; set; } = node;

        public string[] Extra { get; } = extra;

        public int Restarts { get; set; }

        public TimeSpan? EndedAt { get; set; }
    }

    /// <summary>The fault's victim: the oldest coordinator (the one running the job), or the chosen PS or worker node.</summary>
    private static Slot Target(List<Slot> slots, Fault fault)
    {
        var ofRole = slots.Where(s => s.Node.Role == fault.Role).ToList();
        return fault.Role == FaultPlan.Coordinator ? ofRole[0] : ofRole[fault.Instance % ofRole.Count];
    }

    /// <summary>
    /// Starts a node again, on the same address, in each slot whose process ended (a killed one, or one the cluster
    /// downed after a pause), as a process supervisor would.
    /// </summary>
    private static int Supervise(LocalNodes nodes, List<Slot> slots, string label, Stopwatch clock, Action<string> progress)
    {
        var seed = slots[0].Node.Endpoint; // the first coordinator's address, which its successors keep
        var started = 0;
        foreach (var slot in slots)
        {
            if (!slot.Node.Exited || slot.Restarts >= MaxRestartsPerSlot)
            {
                continue;
            }

            slot.EndedAt ??= clock.Elapsed;
            if (clock.Elapsed - slot.EndedAt < RestartDelay)
            {
                continue;
            }

            // The seed's address first: the seed itself then joins a live node if there is one and forms the cluster
            // again only if there is none (Akka's first-seed rule); any other node finds the cluster through it.
            var old = slot.Node;
            var seeds = nodes.LiveNodes.Select(n => n.Endpoint).Where(e => e != seed).Prepend(seed).ToArray();
            slot.Node = nodes.RestartNode(old, seeds, slot.Extra);
            slot.Restarts++;
            slot.EndedAt = null;
            started++;
            progress(string.Create(CultureInfo.InvariantCulture, $"{label}: {old.Name} ended (exit {ExitCode(old)}); started {slot.Node.Name} in its place at {clock.Elapsed.TotalSeconds:F1} s"));
        }

        return started;
    }

    /// <summary>
    /// Where the job stands from the client's output: the epoch under way, and the steps it counted so far (its last
    /// progress line, or the step of its last checkpoint).
    /// </summary>
    internal static (int Epoch, long Step) Position(string submitOutput)
    {
        var epochs = EpochLine().Matches(submitOutput);
        var epoch = epochs.Count == 0 ? 1 : int.Parse(epochs[^1].Groups[1].Value, CultureInfo.InvariantCulture) + 1;
        var progress = ProgressStep().Matches(submitOutput);
        var checkpoints = CheckpointStep().Matches(submitOutput);
        var step = progress.Count > 0 ? Number(progress[^1].Groups[1].Value) : checkpoints.Count > 0 ? Number(checkpoints[^1].Groups[1].Value) : 0;
        return (epoch, step);
    }

    /// <summary>
    /// Steps the client saw counted and then trained again: at each resume, the highest step counted before it minus
    /// the step the job resumed at (0 when it starts again from the beginning); null when the job never resumed.
    /// </summary>
    internal static long? RetrainedSteps(string submitOutput)
    {
        long? total = null;
        var highest = 0L;
        foreach (var line in submitOutput.Split('\n'))
        {
            if (ProgressStep().Match(line) is { Success: true } p)
            {
                highest = Math.Max(highest, Number(p.Groups[1].Value));
            }
            else if (ResumedAt().Match(line) is { Success: true } r)
            {
                var at = Number(r.Groups[1].Value);
                total = (total ?? 0) + Math.Max(0, highest - at);
                highest = at;
            }
            else if (line.Contains("the job starts again from the beginning", StringComparison.Ordinal))
            {
                total = (total ?? 0) + highest;
                highest = 0;
            }
        }

        return total;
    }

    private static long Number(string text) => long.Parse(text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^\s*(\d+)\s+\d+\.\d+\s+\d+\.\d+\s?%", RegexOptions.Multiline)]
    private static partial Regex EpochLine();

    [GeneratedRegex(@"resumes at epoch \d+, step ([\d,]+)")]
    private static partial Regex CheckpointStep();

    [GeneratedRegex(@"^progress: epoch \d+ partition \d+/\d+ step ([\d,]+)", RegexOptions.Multiline)]
    private static partial Regex ProgressStep();

    [GeneratedRegex(@"resumed from checkpoint \d+ .*: epoch \d+, \d+ of \d+ partitions done, step ([\d,]+);")]
    private static partial Regex ResumedAt();

    private static string ExitCode(LocalNode node)
    {
        try
        {
            return node.Process.ExitCode.ToString(CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    /// <summary>The last non-empty line, which for a failed dtrain command is its one-line error.</summary>
    private static string LastLine(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no output)";

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // a killed node may still hold the database open for a moment; it lives under the temp folder
        }
        catch (UnauthorizedAccessException)
        {
            // as above
        }
    }
}
