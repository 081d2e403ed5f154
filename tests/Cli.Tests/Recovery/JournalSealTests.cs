// Sealed journal events with the real executable and a real SQLite journal: one flipped byte in a stored event is
// found by its CRC; a damaged submission refuses resume by name, a damaged checkpoint record falls back to the one before.
using System.Text;
using Dtrain.Cli.Tests.Telemetry;
using Dtrain.Protocol.Persistence;
using Microsoft.Data.Sqlite;

namespace Dtrain.Cli.Tests.Recovery;

public sealed class JournalSealTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-journal-seal-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Resume_refuses_a_job_whose_journaled_submission_has_one_altered_byte_and_names_the_event()
    {
        var job = TrainUntilKilled("checkpoint 1 saved");
        var jobId = Path.GetFileName(job);

        // "--lr 0.001" becomes 0.009: a model that still parses, with flags that are not the ones submitted.
        var (sequence, flipped) = AlterEvent(job, "JobSubmitted", "0.001", "0.009");

        var resumed = DtrainProcess.Run(Limit, "resume", job, "--data-dir", DtrainProcess.MnistDir());

        Assert.True(flipped, "the stored JobSubmitted holds the text '0.001'");
        Assert.Equal(1, resumed.ExitCode);
        var line = Assert.Single(resumed.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"dtrain: error: event {sequence} (JobSubmitted) of job {jobId}'s journal is corrupt (checksum ", line);
        Assert.DoesNotContain("Epoch", resumed.Stdout, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_damaged_record_of_the_latest_checkpoint_is_named_in_a_warning_and_resume_goes_on_from_the_one_before()
    {
        var job = TrainUntilKilled("checkpoint 3 saved");
        var (sequence, _) = AlterEvent(job, "CheckpointCompleted", null, null);

        var resumed = DtrainProcess.Run(Limit, "resume", job, "--data-dir", DtrainProcess.MnistDir(), "--epochs", "1");

        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Assert.Matches($@"dtrain: warning: event {sequence} \(CheckpointCompleted\) of job {Path.GetFileName(job)}'s journal is corrupt \(checksum [0-9a-f]+ .*\): that checkpoint is passed over \(the complete one before it is 2\)", resumed.Stderr);
        Assert.Contains("resuming", resumed.Stdout);
        Assert.Contains("from checkpoint 2 ", resumed.Stdout);
    }

    /// <summary>
    /// Changes one byte of the newest stored event of <paramref name="type"/>: the first byte of <paramref name="from"/>'s
    /// text that differs from <paramref name="to"/>, or (null) a byte in the middle. Returns its sequence number and
    /// whether the text was found.
    /// </summary>
    private static (long Sequence, bool Found) AlterEvent(string job, string type, string? from, string? to)
    {
        using var connection = new SqliteConnection(Storage.Sqlite(Path.Combine(job, "dtrain.db")).ConnectionString);
        connection.Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT sequence_number, message FROM journal WHERE persistence_id = $pid AND manifest LIKE $type ORDER BY sequence_number DESC LIMIT 1";
        select.Parameters.AddWithValue("$pid", $"dtrain/{Path.GetFileName(job)}/job");
        select.Parameters.AddWithValue("$type", $"%+{type}");
        long sequence;
        byte[] message;
        using (var reader = select.ExecuteReader())
        {
            Assert.True(reader.Read(), $"no stored {type}");
            (sequence, message) = (reader.GetInt64(0), (byte[])reader.GetValue(1));
        }

        var found = false;
        if (from is not null && to is not null)
        {
            var at = message.AsSpan().IndexOf(Encoding.UTF8.GetBytes(from));
            found = at >= 0;
            var offset = Enumerable.Range(0, from.Length).First(i => from[i] != to[i]);
            message[Math.Max(0, at) + offset] = (byte)to[offset];
        }
        else
        {
            message[message.Length / 2] ^= 0x04;
        }

        using var update = connection.CreateCommand();
        update.CommandText = "UPDATE journal SET message = $m WHERE persistence_id = $pid AND sequence_number = $s";
        update.Parameters.AddWithValue("$m", message);
        update.Parameters.AddWithValue("$pid", $"dtrain/{Path.GetFileName(job)}/job");
        update.Parameters.AddWithValue("$s", sequence);
        Assert.Equal(1, update.ExecuteNonQuery());
        return (sequence, found);
    }

    /// <summary>Starts two epochs of mnist-mlp (lr 0.001), kills it (SIGKILL) once <paramref name="line"/> shows; returns the job folder.</summary>
    private string TrainUntilKilled(string line)
    {
        using (var train = BackgroundProcess.Dtrain(["train", DtrainProcess.Example("mnist-mlp.json"), "--epochs", "2", "--lr", "0.001", "--checkpoint-steps", "100", "--checkpoint-dir", Path.Combine(_dir, "runs"), "--data-dir", DtrainProcess.MnistDir()]))
        {
            var deadline = DateTime.UtcNow + Limit;
            while (!train.Output.Contains(line, StringComparison.Ordinal))
            {
                Assert.False(train.HasExited, $"dtrain ended before '{line}':\n{train.Output}");
                Assert.True(DateTime.UtcNow < deadline, $"no '{line}' within {Limit}:\n{train.Output}");
                Thread.Sleep(50);
            }
        }

        return Assert.Single(Directory.GetDirectories(Path.Combine(_dir, "runs")));
    }
}
