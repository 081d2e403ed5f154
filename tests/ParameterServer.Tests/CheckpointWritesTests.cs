// Checkpoint writes without an actor system: each write answers the one who asked, once; a written checkpoint's
// buffer is reused by the next copy; a failed write says why.
using Dtrain.Protocol;
using Dtrain.Protocol.Persistence;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer.Tests;

public sealed class CheckpointWritesTests
{
    private static readonly ChunkInfo[] Chunks = [new(0, 0, 0, 21)];
    private static readonly OptimizerSpec Adam = new("adam", 0.01f, null, 0.9f, 0.999f, 1e-8f, 0f);

    private readonly ShardStore _store = new();
    private readonly CheckpointWrites<string> _writes = new();

    public CheckpointWritesTests()
    {
        _store.Load(5, Chunks, Adam, Enumerable.Range(0, 21).Select(i => i * 0.1f).ToArray(), generation: 0);
        var push = new Push(0, 1, 0, FloatBuffer.CopyOf(Enumerable.Repeat(0.5f, 21).ToArray()));
        Assert.IsType<PushVerdict.Fresh>(_store.Admit(push));
        _store.Apply(push);
    }

    [Fact]
    public void CheckpointWrites_answers_the_requester_once_the_checkpoint_is_written()
    {
        // Arrange
        var bytes = _writes.Copy(_store, 7, "coordinator");

        // Act
        var written = _writes.Written(7, _store.ShardId);
        var again = _writes.Written(7, _store.ShardId);

        // Assert
        var (to, reply) = written!.Value;
        Assert.Equal("coordinator", to);
        Assert.Equal((5, 7L, 1L, (long)bytes.Length), (reply.ShardId, reply.CheckpointId, reply.Version, reply.Bytes));
        Assert.Null(again);
        Assert.Equal(0, _writes.Count);
    }

    [Fact]
    public void CheckpointWrites_copies_the_next_checkpoint_into_the_buffer_of_the_last_one_written()
    {
        // Arrange
        var first = _writes.Copy(_store, 1, "coordinator");
        _writes.Written(1, _store.ShardId);

        // Act
        var second = _writes.Copy(_store, 2, "coordinator");

        // Assert: the same array, now holding checkpoint 2.
        Assert.Same(first, second);
        ShardSnapshot.Seal(second);
        Assert.Equal(2, ShardSnapshot.Read(second, "checkpoint 2").CheckpointId);
    }

    [Fact]
    public void CheckpointWrites_does_not_reuse_a_buffer_still_being_written()
    {
        var first = _writes.Copy(_store, 1, "coordinator");

        var second = _writes.Copy(_store, 2, "coordinator");

        Assert.NotSame(first, second);
        Assert.Equal(2, _writes.Count);
    }

    [Fact]
    public void CheckpointWrites_answers_a_failed_write_with_its_reason_and_ignores_one_it_did_not_start()
    {
        _writes.Copy(_store, 3, "coordinator");

        var failed = _writes.Failed(3, _store.ShardId, "disk full");
        var unknown = _writes.Failed(4, _store.ShardId, "disk full");

        Assert.Equal(("coordinator", new ShardCheckpointFailed(5, 3, "disk full")), failed);
        Assert.Null(unknown);
    }
}
