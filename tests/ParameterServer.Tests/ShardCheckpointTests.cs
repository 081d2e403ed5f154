// Shard checkpoints in a real database: a snapshot written by one actor system is restored by another bit for bit,
// optimizer state included; a corrupt or missing one is refused with a message naming it.
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dtrain.Protocol;
using Dtrain.Protocol.Persistence;
using Dtrain.Protocol.Serialization;
using Microsoft.Data.Sqlite;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer.Tests;

public sealed class ShardCheckpointTests
{
    private static readonly ChunkInfo[] Chunks = [new(0, 0, 0, 300), new(1, 0, 0, 21)];
    private static readonly OptimizerSpec Adam = new("adam", 0.01f, null, 0.9f, 0.999f, 1e-8f, 0f);

    [Fact]
    public void A_shard_restored_from_sqlite_serves_the_checkpointed_parameters_and_optimizer_state_bit_for_bit() =>
        RestoresBitForBit(TestDatabases.NewSqlite());

    [SkippableFact]
    public void A_shard_restored_from_postgresql_serves_the_checkpointed_parameters_and_optimizer_state_bit_for_bit()
    {
        var (storage, reason) = TestDatabases.Postgres();
        Skip.If(storage is null, reason);
        RestoresBitForBit(storage!);
    }

    [Fact]
    public void A_corrupt_snapshot_is_refused_with_a_message_naming_the_checkpoint_and_shard()
    {
        var storage = TestDatabases.NewSqlite();
        var pid = $"dtrain/corrupt-{Guid.NewGuid():N}/shard-0";
        using (var a = new ShardSystem(storage))
        {
            a.Initialize();
            a.Checkpoint(1, pid);
        }

        // Flip one byte in the middle of the stored snapshot, as a bad disk or a partial copy would.
        using (var connection = new SqliteConnection(storage.ConnectionString))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE snapshot SET snapshot = substr(snapshot, 1, 600) || X'FF' || substr(snapshot, 602) WHERE persistence_id = $pid";
            command.Parameters.AddWithValue("$pid", pid);
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        using var b = new ShardSystem(storage);
        b.Shard.Tell(new RestoreShard(0, Chunks, Adam, 0, 1, pid), b.Kit.TestActor);
        var rejected = b.Kit.ExpectMsg<InitShardRejected>(TimeSpan.FromSeconds(20));

        Assert.Contains($"checkpoint 1 of shard 0 ({pid})", rejected.Reason);
        Assert.Contains("corrupt", rejected.Reason);
    }

    [Fact]
    public void A_missing_checkpoint_is_refused_and_an_uninitialized_shard_takes_no_checkpoint()
    {
        using var b = new ShardSystem(TestDatabases.NewSqlite());
        b.Shard.Tell(new TakeCheckpoint(1, "dtrain/none/shard-0"), b.Kit.TestActor);
        var failed = b.Kit.ExpectMsg<ShardCheckpointFailed>(TimeSpan.FromSeconds(20));
        b.Shard.Tell(new RestoreShard(0, Chunks, Adam, 0, 9, "dtrain/none/shard-0"), b.Kit.TestActor);
        var missing = b.Kit.ExpectMsg<InitShardRejected>(TimeSpan.FromSeconds(20));

        Assert.Equal("the shard has not been initialized", failed.Reason);
        Assert.Equal("checkpoint 9 of shard 0 (dtrain/none/shard-0) cannot be restored: it is missing from the database", missing.Reason);
    }

    private static void RestoresBitForBit(Storage storage)
    {
        var pid = $"dtrain/bits-{Guid.NewGuid():N}/shard-0";
        float[] atCheckpoint, afterNextPush;
        long version;
        using (var a = new ShardSystem(storage))
        {
            a.Initialize();
            for (var seq = 1; seq <= 3; seq++)
            {
                a.Push(seq, Gradient(seq));
            }

            var saved = a.Checkpoint(7, pid);
            (atCheckpoint, version) = a.Pull();
            a.Push(4, Gradient(4));
            afterNextPush = a.Pull().Values;
            Assert.Equal(3, saved.Version);
        }

        using var b = new ShardSystem(storage);
        b.Shard.Tell(new RestoreShard(0, Chunks, Adam, 0, 7, pid), b.Kit.TestActor);
        b.Kit.ExpectMsg<ShardReady>(TimeSpan.FromSeconds(30));
        var (restored, restoredVersion) = b.Pull();
        b.Push(4, Gradient(4));
        var restoredAfterPush = b.Pull().Values;

        Assert.Equal(version, restoredVersion);
        Assert.Equal(Bits(atCheckpoint), Bits(restored));

        // The same gradient lands on the same bits only if Adam's moments and step count came back exactly.
        Assert.Equal(Bits(afterNextPush), Bits(restoredAfterPush));
    }

    private static float[] Gradient(int seed) => Enumerable.Range(0, 321).Select(i => MathF.Sin((i * 0.37f) + seed) * 0.1f).ToArray();

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    /// <summary>An actor system with one shard and its checkpoint database.</summary>
    private sealed class ShardSystem : IDisposable
    {
        public ShardSystem(Storage storage)
        {
            storage.Prepare();
            Kit = new TestKit(storage.ToConfig().WithFallback(WireConfig.SingleProcess(serializeMessages: true)));
            Shard = Kit.Sys.ActorOf(ParameterShard.Props());
        }

        public TestKit Kit { get; }

        public IActorRef Shard { get; }

        public void Initialize()
        {
            var values = Enumerable.Range(0, 321).Select(i => MathF.Cos(i * 0.11f)).ToArray();
            Shard.Tell(new InitShard(0, Chunks, FloatBuffer.CopyOf(values), Adam), Kit.TestActor);
            Kit.ExpectMsg<ShardReady>();
        }

        public void Push(long seq, float[] gradient)
        {
            Shard.Tell(new Push(0, seq, 0, FloatBuffer.CopyOf(gradient)), Kit.TestActor);
            Assert.True(Kit.ExpectMsg<PushAck>().Applied);
        }

        public ShardCheckpointed Checkpoint(long id, string pid)
        {
            Shard.Tell(new TakeCheckpoint(id, pid), Kit.TestActor);
            return Kit.ExpectMsg<ShardCheckpointed>(TimeSpan.FromSeconds(30));
        }

        public (float[] Values, long Version) Pull()
        {
            Shard.Tell(new Pull(1, -1), Kit.TestActor);
            var p = Kit.ExpectMsg<Params>();
            var values = p.Values!.Span.ToArray();
            p.Values.Release();
            return (values, p.Version);
        }

        public void Dispose() => Kit.Shutdown();
    }
}
