// A final checkpoint that cannot be written (a full disk, played by a SQLite trigger that refuses every snapshot
// write) makes train fail in one line: its result is not on disk, so it must not exit 0.
using Dtrain.Cli.Tests.Telemetry;
using Dtrain.Protocol.Persistence;
using Microsoft.Data.Sqlite;

namespace Dtrain.Cli.Tests.Recovery;

public sealed class FailedCheckpointTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-failed-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Train_exits_1_with_one_line_when_its_final_checkpoint_cannot_be_written()
    {
        var db = Path.Combine(_dir, "jobs.db");
        using var train = BackgroundProcess.Dtrain(["train", DtrainProcess.Example("mnist-mlp.json"), "--epochs", "1", "--checkpoint-steps", "100", "--db", db, "--data-dir", DtrainProcess.MnistDir()]);
        WaitFor(train, "checkpoint 1 saved");

        // From here on the disk is "full" for snapshots: every write of one fails, the final one included.
        using (var connection = new SqliteConnection(Storage.Sqlite(db).ConnectionString))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TRIGGER full_disk_insert BEFORE INSERT ON snapshot BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;
                CREATE TRIGGER full_disk_update BEFORE UPDATE ON snapshot BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;
                """;
            command.ExecuteNonQuery();
        }

        Assert.True(train.WaitForExit(Limit), train.Output);

        Assert.True(train.ExitCode == 1, $"exit {train.ExitCode}:\n{train.Output}");
        var errors = train.Output.Split('\n').Where(l => l.StartsWith("dtrain: error:", StringComparison.Ordinal)).ToList();
        var error = Assert.Single(errors);
        Assert.Contains("training ran to its end but the final checkpoint was not saved", error);
        Assert.Contains("database or disk is full", train.Output);
        Assert.DoesNotContain("   at ", train.Output);
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
}
