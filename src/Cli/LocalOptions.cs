// The flags of a run in this process that are not training settings: data, outputs, observers, and where the
// job's journal and checkpoints go.
using Dtrain.Cli.Telemetry;
using Dtrain.Protocol.Persistence;

namespace Dtrain.Cli;

/// <summary>
/// <c>--data-dir</c>, <c>--summary</c>, <c>--serialize-messages</c>, the observer flags, <c>--checkpoint-dir DIR</c>
/// (job folders, default <c>runs</c>) and <c>--db</c> (or <c>$DTRAIN_DB</c>: a PostgreSQL server instead of the job
/// folder's SQLite file).
/// </summary>
internal sealed record LocalOptions(string? DataDir, string? SummaryPath, bool SerializeMessages, ObserverOptions Observe, string CheckpointDir, string? Database)
{
    /// <summary>The folder job folders go in when <c>--checkpoint-dir</c> is not given.</summary>
    public const string DefaultCheckpointDir = "runs";

    /// <summary>Reads the flags.</summary>
    public static LocalOptions Parse(CommandLine cl) => new(
        cl.String("--data-dir"),
        cl.String("--summary"),
        cl.Flag("--serialize-messages"),
        ObserverOptions.Parse(cl),
        cl.String("--checkpoint-dir") ?? DefaultCheckpointDir,
        cl.String("--db") ?? Environment.GetEnvironmentVariable(Storage.Variable));

    /// <summary>The job's folder: its SQLite database (unless <c>--db</c> names a server) lives there.</summary>
    public string JobFolder(string jobId) => Path.Combine(CheckpointDir, jobId);

    /// <summary>The database of job <paramref name="jobId"/>.</summary>
    public Storage StorageFor(string jobId) => Storage.Parse(Database, Path.Combine(JobFolder(jobId), "dtrain.db"));

    /// <summary>
    /// Checks, before training, that the outputs can be written where they are asked for: the job folders and the
    /// report folder are folders (no file in their way), the summary is a file (not a folder). A run that would only
    /// fail at its end is refused at its start, in one line naming the flag.
    /// </summary>
    public void CheckPaths()
    {
        if (string.IsNullOrWhiteSpace(Database))
        {
            CheckFolder("--checkpoint-dir", CheckpointDir);
        }

        if (SummaryPath is { } summary)
        {
            if (Directory.Exists(summary))
            {
                throw new Models.DtrainException($"--summary '{summary}' is a folder; give the path of a file to write");
            }

            CheckFolder("--summary", Path.GetDirectoryName(Path.GetFullPath(summary))!);
        }

        if (Observe.ReportDir is { } report)
        {
            CheckFolder("--report", report);
        }
    }

    /// <summary>What to pass to <c>dtrain resume</c> for this job.</summary>
    public string ResumeTarget(string jobId) =>
        string.IsNullOrWhiteSpace(Database) ? JobFolder(jobId) : $"{jobId} --db '<the same database>'";

    /// <summary>Fails when <paramref name="path"/> or a folder above it exists as a file.</summary>
    private static void CheckFolder(string flag, string path)
    {
        for (var p = Path.GetFullPath(path); p is not null; p = Path.GetDirectoryName(p))
        {
            if (File.Exists(p))
            {
                throw new Models.DtrainException($"{flag} '{path}': {p} is a file, not a folder");
            }
        }
    }
}
