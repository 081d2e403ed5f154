// Parameter groups at a shard without an actor system: a push changes only the groups its mask names, each group
// with its own optimizer and update count, a frozen group never; checkpoints carry every group's state.
using Dtrain.Models;
using Dtrain.Protocol;
using Dtrain.Protocol.Persistence;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer.Tests;

public sealed class ShardStoreGroupTests
{
    // Group 0 (default, sgd): floats 0-9; group 1 (adam): floats 10-29 in two tensors; group 2 (frozen): 30-35.
    private static readonly ChunkInfo[] Chunks =
    [
        new(0, 0, 0, 10, Group: 0), new(1, 0, 10, 12, Group: 1), new(2, 0, 22, 8, Group: 1), new(3, 0, 30, 6, Group: 2),
    ];

    private static readonly float[] Initial = Enumerable.Range(0, 36).Select(i => 1f + (i * 0.25f) - (i % 3 * 0.7f)).ToArray();
    private static readonly OptimizerSpec Sgd = new("sgd", 0.1f, 0f, 0.9f, 0.999f, 1e-8f, 0f);
    private static readonly OptimizerSpec Adam = new("adam", 0.01f, null, 0.9f, 0.999f, 1e-8f, 0f);
    private static readonly OptimizerSpec[] Groups = [Sgd, Adam, Sgd with { Frozen = true }];

    [Fact]
    public void ShardStore_applies_only_the_groups_a_push_names()
    {
        // Arrange
        var store = Loaded();

        // Act: a push for group 1 only.
        Admitted(store, Push(1, 1, Gradient(1f), mask: 0b010));

        // Assert
        var values = store.Values.ToArray();
        Assert.Equal(Initial[..10], values[..10]);
        Assert.All(Enumerable.Range(10, 20), i => Assert.NotEqual(Initial[i], values[i]));
        Assert.Equal(Initial[30..], values[30..]);
        Assert.Equal((1L, 0L, 1L, 0L), (store.Version, store.GroupSteps(0), store.GroupSteps(1), store.GroupSteps(2)));
    }

    [Fact]
    public void ShardStore_never_changes_a_frozen_group_even_for_a_push_of_every_group()
    {
        var store = Loaded();

        Admitted(store, Push(1, 1, Gradient(1f), mask: 0));
        Admitted(store, Push(1, 2, Gradient(-2f), mask: 0b100));

        var values = store.Values.ToArray();
        Assert.Equal(Bits(Initial[30..]), Bits(values[30..]));
        Assert.Equal(Initial[0] - (0.1f * 1f), values[0]);
        Assert.Equal((2L, 1L, 1L, 0L), (store.Version, store.GroupSteps(0), store.GroupSteps(1), store.GroupSteps(2)));
    }

    [Fact]
    public void ShardStore_gives_each_group_its_own_update_count_for_adam_bias_correction()
    {
        // Arrange: group 0 takes two updates before group 1 takes its first.
        var store = Loaded();
        Admitted(store, Push(1, 1, Gradient(1f), mask: 0b001));
        Admitted(store, Push(1, 2, Gradient(1f), mask: 0b001));

        // Act
        Admitted(store, Push(1, 3, Gradient(0.5f), mask: 0b010));

        // Assert: group 1 moved exactly as a fresh Adam's first step (t = 1), not as one at t = 3.
        var fresh = new ShardStore();
        fresh.Load(0, [new(1, 0, 0, 20)], Adam, Initial.AsSpan(10, 20), generation: 0);
        Assert.IsType<PushVerdict.Fresh>(fresh.Admit(new Push(1, 1, 0, FloatBuffer.CopyOf(Gradient(0.5f)[10..30]))));
        fresh.Apply(new Push(1, 1, 0, FloatBuffer.CopyOf(Gradient(0.5f)[10..30])));
        Assert.Equal(Bits(fresh.Values.ToArray()), Bits(store.Values.ToArray()[10..30]));
    }

    [Fact]
    public void ShardStore_snapshot_with_groups_restores_values_state_and_each_group_count()
    {
        // Arrange
        var store = Loaded();
        Admitted(store, Push(1, 1, Gradient(1f), mask: 0b010));
        Admitted(store, Push(1, 2, Gradient(0.3f), mask: 0));
        var bytes = Sealed(store.Snapshot(5));

        // Act
        var restored = new ShardStore();
        restored.Restore(3, Chunks, Sgd, bytes, "checkpoint 5", generation: 0, Groups);
        Admitted(store, Push(1, 3, Gradient(0.7f), mask: 0b010));
        Admitted(restored, Push(1, 3, Gradient(0.7f), mask: 0b010));

        // Assert: the restored shard carries on exactly as the original.
        Assert.Equal(Bits(store.Values.ToArray()), Bits(restored.Values.ToArray()));
        Assert.Equal((3L, 1L, 3L), (restored.Version, restored.GroupSteps(0), restored.GroupSteps(1)));
    }

    [Fact]
    public void ShardStore_refuses_a_snapshot_made_with_other_group_optimizers()
    {
        var store = Loaded();
        var bytes = Sealed(store.Snapshot(5));

        var error = Assert.Throws<CorruptCheckpointException>(() => new ShardStore().Restore(3, Chunks, Sgd, bytes, "checkpoint 5", 0, [Sgd, Sgd, Sgd]));

        Assert.Contains("optimizer sgd,adam,sgd", error.Message);
    }

    [Fact]
    public void ShardStore_without_groups_writes_the_snapshot_format_of_before_groups()
    {
        var store = new ShardStore();
        store.Load(3, [new(0, 0, 0, 36)], Adam, Initial, generation: 0);
        Admitted(store, Push(1, 1, Gradient(1f), mask: 0));

        var snapshot = ShardSnapshot.Read(Sealed(store.Snapshot(2)), "checkpoint 2");

        Assert.Null(snapshot.Groups);
        Assert.Equal(("adam", 1L), (snapshot.Optimizer, snapshot.Version));
    }

    [Fact]
    public void ShardStore_refuses_a_chunk_of_a_group_it_has_no_optimizer_for()
    {
        var error = Assert.Throws<ArgumentException>(() => new ShardStore().Load(3, Chunks, Sgd, Initial, 0, [Sgd, Adam]));

        Assert.Contains("belongs to group 2, but shard 3 was given 2 group optimizer(s)", error.Message);
    }

    [Fact]
    public void SyncRound_applies_the_mean_to_the_groups_of_its_pushes_only()
    {
        var store = Loaded();
        var round = new SyncRound<string>(2, store.Floats);
        round.Membership(store, 0, true);
        round.Membership(store, 1, true);
        Assert.IsType<PushVerdict.Fresh>(store.Admit(Push(0, 1, Gradient(1f), mask: 0b001)));
        round.Contribute(store, Push(0, 1, Gradient(1f), mask: 0b001), "w0");
        Assert.IsType<PushVerdict.Fresh>(store.Admit(Push(1, 1, Gradient(3f), mask: 0b001)));

        var closed = round.Contribute(store, Push(1, 1, Gradient(3f), mask: 0b001), "w1");

        Assert.True(closed.Closed);
        var values = store.Values.ToArray();
        Assert.Equal(Initial[0] - (0.1f * 2f), values[0]);
        Assert.Equal(Initial[10..], values[10..]);
    }

    private static ShardStore Loaded()
    {
        var store = new ShardStore();
        store.Load(3, Chunks, Sgd, Initial, generation: 0, Groups);
        return store;
    }

    private static float[] Gradient(float scale) => Enumerable.Range(0, 36).Select(i => scale * (1 + (i % 5))).ToArray();

    private static Push Push(int worker, long seq, float[] gradient, ulong mask) =>
        new(worker, seq, 0, FloatBuffer.CopyOf(gradient), null, 0, mask);

    private static PushAck Admitted(ShardStore store, Push push)
    {
        Assert.IsType<PushVerdict.Fresh>(store.Admit(push));
        return store.Apply(push);
    }

    private static byte[] Sealed(byte[] bytes)
    {
        ShardSnapshot.Seal(bytes);
        return bytes;
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
