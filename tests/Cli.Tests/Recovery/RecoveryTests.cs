// Checkpoint recovery with the real executable and a real database: a killed training process is resumed, a corrupt
// latest checkpoint is passed over by name, and a database that goes away fails only the checkpoint it was writing.
using System.Text.Json;
using Dtrain.Cli.Tests.Telemetry;
using Dtrain.Protocol.Persistence;
using Microsoft.Data.Sqlite;

namespace Dtrain.Cli.Tests.Recovery;

public sealed class RecoveryTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-recovery-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_killed_training_process_resumes_from_its_last_checkpoint_and_ends_within_half_a_point_of_an_unfaulted_run()
    {
        var unfaulted = Path.Combine(_dir, "unfaulted.json");
        var clean = DtrainProcess.Run(Limit, [.. Train("unfaulted"), "--summary", unfaulted]);
        Assert.True(clean.ExitCode == 0, clean.Stdout + clean.Stderr);

        var job = TrainUntilKilled("checkpoint 3 saved");
        var resumedSummary = Path.Combine(_dir, "resumed.json");
        var resumed = DtrainProcess.Run(Limit, "resume", job, "--data-dir", DtrainProcess.MnistDir(), "--summary", resumedSummary);

        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Assert.Matches(@"resumed from checkpoint (\d+) \(dtrain resume\): epoch \d, \d+ of \d+ partitions done", resumed.Stdout);
        using var a = JsonDocument.Parse(File.ReadAllText(unfaulted));
        using var b = JsonDocument.Parse(File.ReadAllText(resumedSummary));
        Assert.True(b.RootElement.GetProperty("resumed_from").GetInt64() >= 3);
        Assert.Equal(2, b.RootElement.GetProperty("history").GetArrayLength());
        var (before, after) = (a.RootElement.GetProperty("test_accuracy").GetDouble(), b.RootElement.GetProperty("test_accuracy").GetDouble());
        Assert.True(Math.Abs(before - after) <= 0.005, $"unfaulted {before:P2}, resumed {after:P2}");
    }

    [Fact]
    public async Task A_corrupt_latest_checkpoint_is_named_in_a_warning_and_the_job_resumes_from_the_one_before()
    {
        var job = TrainUntilKilled("checkpoint 3 saved");
        var storage = Storage.Sqlite(Path.Combine(job, "dtrain.db"));
        var record = (await LocalJob.ReadJournalAsync(storage, Path.GetFileName(job)))!;
        var latest = record.Checkpoints[^1].Id;
        Truncate(storage, ShardSnapshot.PersistenceId(Path.GetFileName(job), 0), latest);

        var summaryPath = Path.Combine(_dir, "resumed.json");
        var resumed = DtrainProcess.Run(Limit, "resume", job, "--data-dir", DtrainProcess.MnistDir(), "--summary", summaryPath);

        Assert.True(resumed.ExitCode == 0, $"checkpoints {string.Join(",", record.Checkpoints.Select(c => c.Id))}, corrupted {latest}\n" + resumed.Stdout + resumed.Stderr);
        Assert.Contains($"dtrain: warning: checkpoint {latest} cannot be used: checkpoint {latest} of shard 0 (dtrain/{Path.GetFileName(job)}/shard-0) is", resumed.Stderr);
        Assert.Contains($"recovering from the previous complete checkpoint {record.Checkpoints[^2].Id}", resumed.Stderr);
        using var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        Assert.Equal(record.Checkpoints[^2].Id, summary.RootElement.GetProperty("resumed_from").GetInt64());
        Assert.True(summary.RootElement.GetProperty("test_accuracy").GetDouble() >= 0.97);
    }

    [SkippableFact]
    public async Task A_database_unreachable_at_a_checkpoint_fails_that_checkpoint_clearly_and_training_goes_on_to_a_retried_one()
    {
        var server = new Npgsql.NpgsqlConnectionStringBuilder(Storage.Parse(PostgresUrl, "unused.db").ConnectionString);
        var reachable = await Reachable(server.ConnectionString);
        Skip.If(reachable is not null, $"no PostgreSQL server at {server.Host}:{server.Port} ({reachable}); .ci/run installs and starts one, or set DTRAIN_TEST_POSTGRES");
        var address = (await System.Net.Dns.GetHostAddressesAsync(server.Host!))[0];
        using var proxy = new SeveringProxy(new System.Net.IPEndPoint(address, server.Port));
        var db = new Npgsql.NpgsqlConnectionStringBuilder(server.ConnectionString) { Port = proxy.Port, Host = "127.0.0.1", Timeout = 3, Pooling = false }.ConnectionString;
        var summaryPath = Path.Combine(_dir, "summary.json");

        using var train = BackgroundProcess.Dtrain([.. Train(), "--checkpoint-seconds", "1", "--db", db, "--summary", summaryPath]);
        WaitFor(train, "checkpoint 2 saved");
        proxy.Sever();
        WaitFor(train, "failed and does not count");
        proxy.Restore();
        Assert.True(train.WaitForExit(Limit), train.Output);

        var output = train.Output;
        Assert.True(train.ExitCode == 0, output);
        var failed = System.Text.RegularExpressions.Regex.Match(output, @"dtrain: warning: checkpoint (\d+) \([^)]*\) failed and does not count: (.+)");
        Assert.True(failed.Success, output);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(output[failed.Index..], @"checkpoint \d+ saved \("), output);
        var jobId = System.Text.RegularExpressions.Regex.Match(output, @"job (\S+): checkpoints in").Groups[1].Value;
        var record = (await LocalJob.ReadJournalAsync(Storage.Parse(server.ConnectionString, "unused.db"), jobId))!;
        Assert.DoesNotContain(record.Checkpoints, c => c.Id == long.Parse(failed.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("completed", record.Ended?.State);
        using var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        Assert.True(summary.RootElement.GetProperty("test_accuracy").GetDouble() >= 0.97);
    }

    private static string PostgresUrl =>
        Environment.GetEnvironmentVariable("DTRAIN_TEST_POSTGRES") is { Length: > 0 } url ? url : "postgres://postgres:postgres@127.0.0.1:5432/postgres";

    private static async Task<string?> Reachable(string connectionString)
    {
        try
        {
            await using var connection = new Npgsql.NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            return null;
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            return e.Message;
        }
    }

    private static void WaitFor(BackgroundProcess process, string text)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (!process.Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.False(process.HasExited, $"dtrain ended before '{text}':\n{process.Output}");
            Assert.True(DateTime.UtcNow < deadline, $"no '{text}' within {Limit}:\n{process.Output}");
            Thread.Sleep(50);
        }
    }

    /// <summary>Two epochs of mnist-mlp in the temporary folder, checkpointing every 100 steps.</summary>
    private string[] Train(string runs = "runs") =>
        ["train", DtrainProcess.Example("mnist-mlp.json"), "--epochs", "2", "--checkpoint-steps", "100", "--checkpoint-dir", Path.Combine(_dir, runs), "--data-dir", DtrainProcess.MnistDir()];

    /// <summary>Starts training, kills the process (SIGKILL: nothing is flushed) once <paramref name="line"/> shows; returns the job folder.</summary>
    private string TrainUntilKilled(string line)
    {
        using (var train = BackgroundProcess.Dtrain(Train()))
        {
            WaitFor(train, line);
        } // Dispose kills the process tree

        return Assert.Single(Directory.GetDirectories(Path.Combine(_dir, "runs")));
    }

    /// <summary>Cuts a stored snapshot in half, as a crash in the middle of copying the database file would.</summary>
    private static void Truncate(Storage storage, string persistenceId, long checkpoint)
    {
        using var connection = new SqliteConnection(storage.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE snapshot SET snapshot = substr(snapshot, 1, length(snapshot) / 2) WHERE persistence_id = $pid AND sequence_number = $c";
        command.Parameters.AddWithValue("$pid", persistenceId);
        command.Parameters.AddWithValue("$c", checkpoint);
        Assert.Equal(1, command.ExecuteNonQuery());
    }
}
