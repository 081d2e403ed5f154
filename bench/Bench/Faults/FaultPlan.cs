// Which fault each run of dtrain-bench faults injects, drawn from a seed so that a run can be replayed.
namespace Dtrain.Bench.Faults;

/// <summary>How a process is hurt: killed outright (SIGKILL) or frozen (SIGSTOP, then SIGCONT after a while).</summary>
public enum FaultKind
{
    /// <summary>SIGKILL, as a crash or an OOM kill would; the process is then started again.</summary>
    Kill,

    /// <summary>SIGSTOP for <see cref="FaultPlan.PauseSeconds"/>, then SIGCONT, as a long GC pause or a frozen VM would.</summary>
    Pause,
}

/// <summary>
/// One run's fault: <see cref="Kind"/> hits instance <see cref="Instance"/> of <see cref="Role"/> (for the
/// coordinator: the active one) once the job has counted <see cref="AtStep"/> steps: a moment in the job's own
/// progress, so a replay on a machine more or less loaded hits the same phase.
/// </summary>
public sealed record Fault(int Run, string Role, int Instance, FaultKind Kind, long AtStep)
{
    /// <summary>As the table shows it: <c>kill ps-1</c>, <c>pause coordinator</c>.</summary>
    public string Describe() =>
        $"{(Kind == FaultKind.Kill ? "kill" : "pause")} {(Role == FaultPlan.Coordinator ? Role : $"{Role}-{Instance}")}";
}

/// <summary>Draws the faults of N runs from a seed.</summary>
public static class FaultPlan
{
    /// <summary>The roles a fault may hit, as <c>--roles</c> names them.</summary>
    public const string Worker = "worker";

    /// <inheritdoc cref="Worker"/>
    public const string ParameterServer = "ps";

    /// <inheritdoc cref="Worker"/>
    public const string Coordinator = "coordinator";

    /// <summary>Every role, in the order <c>--roles</c> defaults to.</summary>
    public static readonly string[] Roles = [Worker, ParameterServer, Coordinator];

    /// <summary>How long a paused process stays stopped.</summary>
    public const double PauseSeconds = 10;

    /// <summary>
    /// Faults start between these fractions of the job's steps: after training has begun, and while the job still
    /// runs. A pause may outlast the unfaulted job: a frozen shard holds the job up until it runs again.
    /// </summary>
    public const double Earliest = 0.1, Latest = 0.85;

    /// <summary>
    /// The faults of <paramref name="runs"/> runs over a job of <paramref name="jobSteps"/> steps. Every
    /// (role, kind) pair is used once, in a seeded order, before any repeats, so six runs over three roles hit each
    /// role with a kill and with a pause. The moment is a seeded fraction of the job's steps, the same range for
    /// both kinds, so pauses too hit every phase (first checkpoint, mid-epoch, evaluation).
    /// </summary>
    public static IReadOnlyList<Fault> Draw(int seed, int runs, IReadOnlyList<string> roles, long jobSteps, int workers, int psNodes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(runs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(jobSteps);
        if (roles.Count == 0)
        {
            throw new ArgumentException("no role to fault", nameof(roles));
        }

        var random = new Random(seed);
        var pairs = roles.SelectMany(r => new[] { (r, FaultKind.Kill), (r, FaultKind.Pause) }).ToArray();
        var faults = new List<Fault>(runs);
        for (var run = 1; run <= runs; run++)
        {
            var cycle = (run - 1) % pairs.Length;
            if (cycle == 0)
            {
                random.Shuffle(pairs);
            }

            var (role, kind) = pairs[cycle];
            var instance = role switch
            {
                Worker => random.Next(workers),
                ParameterServer => random.Next(psNodes),
                _ => 0,
            };
            var at = jobSteps * (Earliest + (random.NextDouble() * (Latest - Earliest)));
            faults.Add(new Fault(run, role, instance, kind, Math.Max(1, (long)Math.Round(at))));
        }

        return faults;
    }
}
