// dtrain-bench faults: trains a job on a real local cluster N times, each time killing or pausing one role at a
// seeded moment, and compares every run with the unfaulted one (completion, accuracy, steps retrained, time lost,
// work lost while the job reported success).
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Dtrain.Bench.Faults;

/// <summary>The options of <c>dtrain-bench faults</c>.</summary>
public sealed record FaultOptions(
    int Runs,
    int Seed,
    IReadOnlyList<string> Roles,
    bool Markdown,
    string? JobFile,
    int? Epochs,
    int CheckpointSteps,
    int? TimeoutSeconds)
{
    /// <summary>The options with nothing given.</summary>
    public static readonly FaultOptions Default = new(6, 1, FaultPlan.Roles, false, null, null, 100, null);

    /// <summary>Reads the options; a bad one throws <see cref="ArgumentException"/> with a one-line message naming it.</summary>
    public static FaultOptions Parse(IReadOnlyList<string> args)
    {
        var o = Default;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"faults: {name} needs a value");
            int Int(int min, int max)
            {
                var text = Value();
                return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
                    ? v
                    : throw new ArgumentException($"faults: {name} must be a whole number from {min} to {max}, got '{Printable(text)}'");
            }

            o = name switch
            {
                "--runs" => o with { Runs = Int(1, 1000) },
                "--seed" => o with { Seed = Int(0, int.MaxValue) },
                "--roles" => o with { Roles = ParseRoles(Value()) },
                "--markdown" => o with { Markdown = true },
                "--job" => o with { JobFile = Value() },
                "--epochs" => o with { Epochs = Int(1, 1000) },
                "--checkpoint-steps" => o with { CheckpointSteps = Int(0, 1_000_000) },
                "--timeout" => o with { TimeoutSeconds = Int(10, 86_400) },
                _ => throw new ArgumentException($"faults: unknown option '{Printable(name)}'"),
            };
        }

        return o;
    }

    private static string[] ParseRoles(string text)
    {
        var roles = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (roles.Length == 0)
        {
            throw new ArgumentException($"faults: --roles names no role; use some of {string.Join(',', FaultPlan.Roles)}");
        }

        foreach (var role in roles)
        {
            if (!FaultPlan.Roles.Contains(role))
            {
                throw new ArgumentException($"faults: --roles: unknown role '{Printable(role)}'; use some of {string.Join(',', FaultPlan.Roles)}");
            }
        }

        return [.. roles.Distinct()];
    }

    /// <summary>Control characters (a newline, an escape) would break the one-line error or the terminal.</summary>
    private static string Printable(string s) => string.Concat(s.Take(60).Select(c => char.IsControl(c) ? '?' : c));
}

/// <summary>The <c>faults</c> subcommand.</summary>
public static class FaultBench
{
    /// <summary>Runs the bench; 0 when every faulted run met the goal, 1 when one did not, 2 for bad options.</summary>
    public static int Run(string[] args)
    {
        var options = FaultOptions.Parse(args);
        var jobFile = options.JobFile ?? FindExample("mnist-mlp-job.json");
        var (workers, psNodes, epochs) = ReadJobSize(jobFile);
        var dll = Path.Combine(AppContext.BaseDirectory, "dtrain.dll");
        if (!File.Exists(dll))
        {
            throw new ArgumentException($"faults: {dll} is missing; build bench/Bench, which carries dtrain with it");
        }

        var clock = Stopwatch.StartNew();
        void Progress(string line) => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,6:F0} s] {line}"));

        // Ctrl-C, SIGTERM or SIGHUP: every process the bench started goes with it, and no new one starts.
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => LocalNodes.DisposeAll());
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => LocalNodes.DisposeAll());
        using var onHangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, _ => LocalNodes.DisposeAll());

        var dataDir = Models.Data.Mnist.Ensure(null, TextWriter.Null);
        var logRoot = Directory.CreateTempSubdirectory("dtrain-faults-").FullName;
        List<string> trainArgs = options.CheckpointSteps > 0 ? ["--checkpoint-steps", options.CheckpointSteps.ToString(CultureInfo.InvariantCulture)] : [];
        if (options.Epochs is { } e)
        {
            (trainArgs, epochs) = ([.. trainArgs, "--epochs", e.ToString(CultureInfo.InvariantCulture)], e);
        }

        Progress($"faults: {Path.GetFileName(jobFile)} ({workers} worker node(s), {psNodes} PS node(s), 2 coordinators, {epochs} epoch(s), " +
            $"checkpoint every {options.CheckpointSteps} steps), seed {options.Seed}, {options.Runs} faulted run(s) over {string.Join(',', options.Roles)}; " +
            $"logs in {logRoot}; load average {LoadAverage()}");

        var setup = new JobSetup(dll, dataDir, jobFile, workers, psNodes, options.Seed, trainArgs, TimeSpan.FromSeconds(options.TimeoutSeconds ?? 1200), logRoot);
        Progress("baseline: starting an unfaulted cluster");
        var baseline = FaultyJob.Run(setup, null, "baseline", Progress).Outcome;
        Progress(Describe("baseline", baseline));
        if (!baseline.Completed)
        {
            Console.Error.WriteLine($"dtrain-bench: faults: the unfaulted baseline did not complete ({baseline.Note}); logs in {logRoot}");
            return 1;
        }

        var timeout = TimeSpan.FromSeconds(options.TimeoutSeconds ?? Math.Max(300, (3 * baseline.WallSeconds) + 60));
        setup = setup with { Timeout = timeout };
        var plan = FaultPlan.Draw(options.Seed, options.Runs, options.Roles, baseline.StepsInJob ?? throw new ArgumentException("faults: the baseline's summary names no steps (a dtrain older than this bench?)"), workers, psNodes);
        var runs = new List<FaultRun>();
        foreach (var fault in plan)
        {
            var label = $"run-{fault.Run}";
            Progress(string.Create(CultureInfo.InvariantCulture, $"{label}/{plan.Count}: {fault.Describe()} planned at step {fault.AtStep:N0}; starting a cluster (timeout {timeout.TotalSeconds:F0} s)"));
            var job = FaultyJob.Run(setup, fault, label, Progress);
            runs.Add(new FaultRun(fault, job.AtSeconds, job.AtEpoch, job.AtStep, job.Outcome));
            Progress(Describe(label, job.Outcome));
        }

        var report = new FaultReport(baseline, runs);
        Console.WriteLine(report.Format(options.Markdown));
        Console.WriteLine($"load average at the end: {LoadAverage()}; logs in {logRoot}");
        return report.CompletedCount == runs.Count && report.WithinToleranceCount == runs.Count && report.LostWorkCount == 0 ? 0 : 1;
    }

    private static string Describe(string label, JobOutcome o) => o.Completed
        ? string.Create(CultureInfo.InvariantCulture, $"{label}: completed in {o.WallSeconds:F0} s, test accuracy {o.Accuracy * 100:F2} %, {o.StepsInJob:N0} step(s), shard versions ≥ {o.StepsApplied:N0}, {o.StepsRetrained ?? 0:N0} retrained, {o.Restarts} restart(s)")
        : string.Create(CultureInfo.InvariantCulture, $"{label}: NOT completed after {o.WallSeconds:F0} s: {o.Note}");

    /// <summary>Workers, PS nodes and epochs of a job file (its flags, else the model's training section).</summary>
    internal static (int Workers, int PsNodes, int Epochs) ReadJobSize(string jobFile)
    {
        try
        {
            using var job = JsonDocument.Parse(File.ReadAllText(jobFile));
            var flags = job.RootElement.TryGetProperty("flags", out var f) ? f : default;
            var modelPath = job.RootElement.TryGetProperty("model", out var m) ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(jobFile))!, m.GetString()!) : jobFile;
            using var model = JsonDocument.Parse(File.ReadAllText(modelPath));
            var training = model.RootElement.TryGetProperty("training", out var t) ? t : default;
            int Size(string flag, string field)
            {
                if (flags.ValueKind == JsonValueKind.Object && flags.TryGetProperty(flag, out var v))
                {
                    return v.GetInt32();
                }

                return training.ValueKind == JsonValueKind.Object && training.TryGetProperty(field, out var w) ? w.GetInt32() : 1;
            }

            return (Size("workers", "workers"), Size("ps-shards", "ps_shards"), Size("epochs", "epochs"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException or FormatException)
        {
            throw new ArgumentException($"faults: cannot read the job file {jobFile}: {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    private static string FindExample(string name)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "examples", name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new ArgumentException($"faults: examples/{name} not found above the current folder; name a job with --job FILE");
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }
}
