// The table dtrain-bench faults prints: one row per faulted run against the unfaulted baseline, and the totals the
// issue judges by (completion, accuracy within 0.5 points, nothing reported as success that lost work).
using System.Globalization;
using System.Text;

namespace Dtrain.Bench.Faults;

/// <summary>
/// One faulted run: the planned <see cref="Fault"/>, when it actually landed (<see cref="AtSeconds"/> after the job
/// was accepted, in <see cref="AtEpoch"/>, at or after step <see cref="AtStep"/>, the last step a checkpoint named)
/// and how the job ended. <see cref="AtSeconds"/> is null when the job ended before the fault could land.
/// </summary>
public sealed record FaultRun(Fault Fault, double? AtSeconds, int AtEpoch, long AtStep, JobOutcome Outcome);

/// <summary>The faulted runs next to the unfaulted baseline, with the arithmetic of the table.</summary>
public sealed class FaultReport(JobOutcome baseline, IReadOnlyList<FaultRun> runs)
{
    /// <summary>Accuracy may differ from the baseline's by this many percentage points (the goal).</summary>
    public const double TolerancePoints = 0.5;

    /// <summary>The unfaulted run.</summary>
    public JobOutcome Baseline { get; } = baseline;

    /// <summary>The faulted runs, in order.</summary>
    public IReadOnlyList<FaultRun> Runs { get; } = runs;

    /// <summary>Final accuracy minus the baseline's, in percentage points; null when either has none.</summary>
    public double? DeltaPoints(JobOutcome o) => o.Accuracy is { } a && Baseline.Accuracy is { } b ? (a - b) * 100 : null;

    /// <summary>Wall time beyond the baseline's (negative when the faulted run was faster).</summary>
    public double TimeLost(JobOutcome o) => o.WallSeconds - Baseline.WallSeconds;

    /// <summary>Completed, with accuracy within <see cref="TolerancePoints"/> of the baseline.</summary>
    public bool WithinTolerance(JobOutcome o) => o.Completed && DeltaPoints(o) is { } d && Math.Abs(d) <= TolerancePoints;

    /// <summary>
    /// Why a job that reported success lost work, or null when it did not (or did not report success): accuracy off by
    /// more than the tolerance, fewer updates in the final parameters than steps trained, fewer steps than the
    /// baseline's, or an epoch with a partition never trained.
    /// </summary>
    public string? LostWork(JobOutcome o)
    {
        if (!o.Completed)
        {
            return null;
        }

        var reasons = new List<string>();
        if (DeltaPoints(o) is { } d && Math.Abs(d) > TolerancePoints)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"accuracy {d:+0.00;-0.00} pts"));
        }

        if (o.StepsApplied is { } applied && o.StepsInJob is { } steps && applied < steps)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{steps - applied:N0} step(s) trained but not applied"));
        }

        if (o.StepsInJob is { } s && Baseline.StepsInJob is { } bs && s < bs)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{bs - s:N0} step(s) fewer than the baseline"));
        }

        if (!o.EveryPartitionTrained)
        {
            reasons.Add("a partition never trained");
        }

        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }

    /// <summary>Runs that completed.</summary>
    public int CompletedCount => Runs.Count(r => r.Outcome.Completed);

    /// <summary>Runs that completed within the accuracy tolerance.</summary>
    public int WithinToleranceCount => Runs.Count(r => WithinTolerance(r.Outcome));

    /// <summary>Runs that reported success while losing work.</summary>
    public int LostWorkCount => Runs.Count(r => LostWork(r.Outcome) is not null);

    /// <summary>The totals line.</summary>
    public string Totals()
    {
        var n = Runs.Count;
        string Share(int k) => n == 0 ? "0/0" : string.Create(CultureInfo.InvariantCulture, $"{k}/{n} ({100.0 * k / n:F0} %)");
        return $"completed {Share(CompletedCount)}; within {TolerancePoints.ToString(CultureInfo.InvariantCulture)} pts of the unfaulted run {Share(WithinToleranceCount)}; reported success but lost work: {LostWorkCount}";
    }

    /// <summary>The table as aligned text, or as a Markdown table with <paramref name="markdown"/>.</summary>
    public string Format(bool markdown)
    {
        string[] header = ["run", "fault", "at", "completed", "accuracy", "Δ pts", "steps", "applied", "retrained", "restarts", "time lost", "lost work"];
        var rows = new List<string[]> { BaselineRow() };
        rows.AddRange(Runs.Select(Row));
        var text = new StringBuilder();
        if (markdown)
        {
            text.AppendLine("| " + string.Join(" | ", header) + " |");
            text.AppendLine("|" + string.Concat(header.Select(_ => "---|")));
            foreach (var row in rows)
            {
                text.AppendLine("| " + string.Join(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
            }

            text.AppendLine().AppendLine(Totals());
            return text.ToString();
        }

        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
        text.AppendLine(Line(header));
        text.AppendLine(Line(widths.Select(w => new string('-', w)).ToArray()));
        foreach (var row in rows)
        {
            text.AppendLine(Line(row));
        }

        text.AppendLine().AppendLine(Totals());
        return text.ToString();
    }

    private string[] BaselineRow()
    {
        var o = Baseline;
        return ["0", "none (baseline)", "-", o.Completed ? "yes" : "NO: " + o.Note, Percent(o.Accuracy), "-", Count(o.StepsInJob), Count(o.StepsApplied), Count(o.StepsRetrained), o.Restarts.ToString(CultureInfo.InvariantCulture), F($"{o.WallSeconds:F0} s (total)"), "-"];
    }

    private string[] Row(FaultRun r)
    {
        var o = r.Outcome;
        var at = r.AtSeconds is { } s ? F($"{s:F1} s, epoch {r.AtEpoch}, step ≥{r.AtStep:N0}") : F($"not injected (planned at step {r.Fault.AtStep:N0})");
        var lost = LostWork(o);
        return
        [
            r.Fault.Run.ToString(CultureInfo.InvariantCulture),
            r.Fault.Describe(),
            at,
            o.Completed ? "yes" : "NO: " + o.Note,
            Percent(o.Accuracy),
            DeltaPoints(o) is { } d ? F($"{d:+0.00;-0.00;0.00}") : "-",
            Count(o.StepsInJob),
            Count(o.StepsApplied),
            Retrained(o),
            o.Restarts.ToString(CultureInfo.InvariantCulture),
            F($"{TimeLost(o):+0;-0;0} s"),
            lost is null ? (o.Completed ? "no" : "-") : "YES: " + lost,
        ];
    }

    /// <summary>The steps the job says it trained again, and the bench's own count beside it where they differ.</summary>
    private static string Retrained(JobOutcome o) =>
        o.StepsRetrainedSeen is { } seen && seen != (o.StepsRetrained ?? 0) ? F($"{seen:N0} seen (job says {o.StepsRetrained ?? 0:N0})") : Count(o.StepsRetrained);

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Percent(double? a) => a is { } v ? F($"{v * 100:F2} %") : "-";

    private static string Count(long? n) => n is { } v ? F($"{v:N0}") : "-";
}
