// Mutated journal events: at the serializer, any change to a sealed event reads as a DamagedEvent (never an altered
// event, never an exception); in a real SQLite journal, a damaged submission refuses the job by name and any other
// damaged event is passed over with a warning.
using Akka.Actor;
using Akka.TestKit.Xunit2;
using CsCheck;
using Dtrain.Coordinator;
using Dtrain.Protocol.Persistence;
using Dtrain.Protocol.Serialization;
using Microsoft.Data.Sqlite;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.Persistence.JobEvents;

namespace Dtrain.Fuzz.Tests;

public sealed class JournalEventFuzzTests() : TestKit(WireConfig.SingleProcess(serializeMessages: false))
{
    private static readonly EpochCompleted Epoch = new(1, 0.25, 0.97, 1234.5, 10.5, 31.5, 1400, 18, 18);

    private static readonly IJobEvent[] Events =
    [
        new JobSubmitted("fuzz", "mnist-mlp.json", """{"name": "m", "nodes": []}""", ["--lr", "0.001", "--epochs", "2"]),
        new PartitionTrained(1, 7, 0, 3),
        new MemberSeen("worker", 1, "akka.tcp://dtrain@127.0.0.1:4000"),
        new CheckpointCompleted(new CheckpointRecord(1, 1, [0, 1, 2], 300, 12.5, 38400, 4.5, 300, [], 2, 1_000_000, new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc))),
        new CheckpointCompleted(new CheckpointRecord(2, 2, [], 600, 25.0, 76800, 0, 0, [Epoch], 2, 1_000_000, new DateTime(2026, 1, 2, 3, 5, 5, DateTimeKind.Utc))),
        new CheckpointsDropped([1]),
        new JobResumed(2, 40, "dtrain resume"),
        new JobEnded("completed", "test accuracy 97.00%"),
    ];

    [Fact]
    public void Any_change_to_a_sealed_event_reads_as_damaged_and_never_throws()
    {
        var serializer = new MessagePackAkkaSerializer((ExtendedActorSystem)Sys);
        var sealedEvents = Events.Select(e => (Event: e, Bytes: serializer.ToBinary(e), Manifest: serializer.Manifest(e))).ToArray();

        Gen.Int[0, Events.Length - 1].SelectMany(i => ByteMutation.Of(sealedEvents[i].Bytes).Select(b => (i, b))).Sample(
            (i, bytes) =>
            {
                var (original, originalBytes, manifest) = sealedEvents[i];
                var read = serializer.FromBinary(bytes, manifest);
                if (bytes.AsSpan().SequenceEqual(originalBytes))
                {
                    Assert.Equal(original.GetType(), read.GetType());
                }
                else
                {
                    Assert.Equal(original.GetType().Name, Assert.IsType<DamagedEvent>(read).EventType);
                }
            },
            seed: FuzzBudget.Seed,
            iter: FuzzBudget.Iterations,
            threads: 1);
    }

    [Fact]
    public void A_sealed_event_whose_first_byte_reads_as_an_empty_array_is_damaged_not_an_old_unsealed_event()
    {
        // The fuzzer's case: 0x90 (an empty MessagePack array) in place of the seal's magic made the record read as
        // an unsealed event of defaults, with the rest of the bytes left over.
        var serializer = new MessagePackAkkaSerializer((ExtendedActorSystem)Sys);
        var bytes = serializer.ToBinary(Events[3]);
        bytes[0] = 0x90;

        var read = serializer.FromBinary(bytes, serializer.Manifest(Events[3]));

        var damaged = Assert.IsType<DamagedEvent>(read);
        Assert.Equal(nameof(CheckpointCompleted), damaged.EventType);
        Assert.Contains("bytes follow the event", damaged.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_event_written_before_the_seal_reads_as_unverified_or_damaged_and_never_throws()
    {
        var serializer = new MessagePackAkkaSerializer((ExtendedActorSystem)Sys);
        var legacy = Events.Select(e => (Bytes: MessagePack.MessagePackSerializer.Serialize(e.GetType(), e), Manifest: serializer.Manifest(e))).ToArray();

        Gen.Int[0, Events.Length - 1].SelectMany(i => ByteMutation.Of(legacy[i].Bytes, "DTJE", "\u0001").Select(b => (i, b))).Sample(
            (i, bytes) =>
            {
                var read = serializer.FromBinary(bytes, legacy[i].Manifest);
                Assert.True(read is UnsealedEvent or DamagedEvent, $"read as {read.GetType().Name}");
            },
            seed: FuzzBudget.Seed,
            iter: FuzzBudget.Iterations,
            threads: 1);
    }

    [Fact]
    public async Task A_damaged_event_in_a_real_journal_refuses_the_job_or_is_passed_over_with_a_warning()
    {
        var dir = Directory.CreateTempSubdirectory("dtrain-journal-fuzz-").FullName;
        try
        {
            var storage = Storage.Sqlite(Path.Combine(dir, "dtrain.db"));
            storage.Prepare();
            var system = ActorSystem.Create("fuzz", storage.ToConfig().WithFallback(WireConfig.SingleProcess(false)));
            try
            {
                var journal = system.ActorOf(JobJournal.Props("fuzz"));
                foreach (var e in Events[..^1])
                {
                    journal.Tell(new JobJournal.Record(e));
                }

                await journal.Ask<JobJournal.Recorded>(new JobJournal.Record(Events[^1]), TimeSpan.FromSeconds(30));
                await journal.GracefulStop(TimeSpan.FromSeconds(10));
                var rows = ReadRows(storage);
                Assert.Equal(Events.Length, rows.Length);

                Gen.Int[0, rows.Length - 1].SelectMany(i => ByteMutation.Of(rows[i].Message).Select(b => (i, b))).Sample(
                    (i, bytes) =>
                    {
                        var (sequence, original, type) = rows[i];
                        Write(storage, sequence, bytes);
                        try
                        {
                            var read = JobJournal.ReadAsync(system, "fuzz", FuzzBudget.PerCase);
                            var changed = !bytes.AsSpan().SequenceEqual(original);
                            if (changed && type.EndsWith("+JobSubmitted", StringComparison.Ordinal))
                            {
                                var refused = Assert.Throws<AggregateException>(() => read.Wait()).GetBaseException();
                                Assert.IsType<CorruptJournalException>(refused);
                                Assert.Contains($"event {sequence} (JobSubmitted)", refused.Message);
                            }
                            else
                            {
                                var record = read.Result!;
                                Assert.Equal("fuzz", record.Submitted!.JobId);
                                Assert.Equal(changed, record.Warnings.Any(w => w.Contains($"event {sequence} (", StringComparison.Ordinal)));
                            }
                        }
                        finally
                        {
                            Write(storage, sequence, original);
                        }
                    },
                    seed: FuzzBudget.Seed,
                    iter: FuzzBudget.Iterations / 6,
                    threads: 1);
            }
            finally
            {
                await system.Terminate();
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (long Sequence, byte[] Message, string Manifest)[] ReadRows(Storage storage)
    {
        using var connection = new SqliteConnection(storage.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sequence_number, message, manifest FROM journal WHERE persistence_id = 'dtrain/fuzz/job' ORDER BY sequence_number";
        using var reader = command.ExecuteReader();
        var rows = new List<(long, byte[], string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetInt64(0), (byte[])reader.GetValue(1), reader.GetString(2)));
        }

        return [.. rows];
    }

    private static void Write(Storage storage, long sequence, byte[] message)
    {
        using var connection = new SqliteConnection(storage.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE journal SET message = $m WHERE persistence_id = 'dtrain/fuzz/job' AND sequence_number = $s";
        command.Parameters.AddWithValue("$m", message);
        command.Parameters.AddWithValue("$s", sequence);
        Assert.Equal(1, command.ExecuteNonQuery());
    }
}
