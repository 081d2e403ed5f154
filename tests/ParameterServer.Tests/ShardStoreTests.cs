// The shard store without an actor system: each push applied at most once, exact optimizer updates, refusals that
// change nothing, pulls that skip an unchanged copy, and snapshots that restore bit for bit.
using Dtrain.Models;
using Dtrain.Protocol;
using Dtrain.Protocol.Persistence;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer.Tests;

public sealed class ShardStoreTests
{
    private const float LearningRate = 0.1f;

    // 37 floats in two chunks: enough for the optimizers' 16- and 8-wide vector loops and a scalar tail.
    private static readonly ChunkInfo[] Chunks = [new(0, 0, 0, 32), new(1, 0, 40, 5)];
    private static readonly float[] Initial = Enumerable.Range(0, 37).Select(i => 1f + (i * 0.25f) - (i % 3 * 0.7f)).ToArray();
    private static readonly OptimizerSpec Sgd = new("sgd", LearningRate, 0f, 0.9f, 0.999f, 1e-8f, 0f);
    private static readonly OptimizerSpec Adam = new("adam", 0.01f, null, 0.9f, 0.999f, 1e-8f, 0f);

    [Fact]
    public void ShardStore_applies_each_push_once()
    {
        // Arrange
        var store = Loaded(Sgd);
        Admitted(store, Push(1, 1, 0, Gradient(1f)));
        var before = store.Values.ToArray();

        // Act: the worker retries the push (its ack was lost), then sends an older one.
        var retry = store.Admit(Push(1, 1, 0, Gradient(1f)));
        var older = store.Admit(Push(1, 0, 0, Gradient(1f)));

        // Assert
        Assert.Equal(new PushAck(3, 1, 1, 1, false), Assert.IsType<PushVerdict.Duplicate>(retry).Ack);
        Assert.Equal(new PushAck(3, 1, 0, 1, false), Assert.IsType<PushVerdict.Duplicate>(older).Ack);
        Assert.Equal(before, store.Values.ToArray());
        var stats = store.Stats(0, 0);
        Assert.Equal((1L, 1L, 2L), (stats.Version, stats.PushesApplied, stats.DuplicatesIgnored));
    }

    [Fact]
    public void ShardStore_takes_the_same_seq_from_another_worker_as_a_new_push()
    {
        var store = Loaded(Sgd);
        Admitted(store, Push(1, 1, 0, Gradient(1f)));

        Assert.IsType<PushVerdict.Fresh>(store.Admit(Push(2, 1, 0, Gradient(1f))));
    }

    [Fact]
    public void ShardStore_applies_sgd_exactly_and_acknowledges_with_the_new_version()
    {
        // Arrange
        var store = Loaded(Sgd);
        var gradient = Gradient(0.5f);

        // Act
        var ack = Admitted(store, Push(1, 1, 0, gradient));

        // Assert: w - lr * g in float, the same rounding the store does.
        Assert.Equal(new PushAck(3, 1, 1, 1, true), ack);
        Assert.Equal(Initial.Select((w, i) => w - (LearningRate * gradient[i])), store.Values.ToArray());
    }

    [Fact]
    public void ShardStore_stores_pushed_values_in_state_chunks_and_steps_the_rest()
    {
        var store = new ShardStore();
        store.Load(0, [new(0, 0, 0, 2), new(1, 0, 2, 2, State: true)], Sgd with { LearningRate = 0.5f }, [1f, 1f, 0f, 0f], 0);

        Admitted(store, Push(1, 1, 0, [2f, -2f, 7f, 9f]));

        Assert.Equal([0f, 2f, 7f, 9f], store.Values.ToArray());
    }

    [Fact]
    public void ShardStore_refuses_a_push_computed_before_the_last_restore()
    {
        // Arrange: load 31, one push, a snapshot; then restored by load 32.
        var store = new ShardStore();
        store.Load(3, Chunks, Sgd, Initial, generation: 31);
        Admitted(store, Push(1, 1, 0, Gradient(1f), generation: 31));
        var bytes = Sealed(store.Snapshot(1));
        store.Restore(3, Chunks, Sgd, bytes, "checkpoint 1", generation: 32);

        // Act
        var stale = store.Admit(Push(1, 2, 1, Gradient(1f), generation: 31));
        var fresh = store.Admit(Push(1, 2, 1, Gradient(1f), generation: 32));

        // Assert
        Assert.Contains("before its last initialization or restore", Assert.IsType<PushVerdict.Refused>(stale).Rejection.Reason);
        Assert.IsType<PushVerdict.Fresh>(fresh);
    }

    [Fact]
    public void ShardStore_refuses_a_wrong_sized_push_naming_both_sizes_and_leaves_its_seq_free()
    {
        // Arrange
        var store = Loaded(Sgd);

        // Act
        var refused = store.Admit(Push(1, 1, 0, [1f, 2f, 3f]));
        var corrected = store.Admit(Push(1, 1, 0, Gradient(1f)));

        // Assert
        var rejection = Assert.IsType<PushVerdict.Refused>(refused).Rejection;
        Assert.Equal((3, 1, 1L), (rejection.ShardId, rejection.WorkerId, rejection.Seq));
        Assert.Contains("3 floats", rejection.Reason);
        Assert.Contains("37 floats", rejection.Reason);
        Assert.IsType<PushVerdict.Fresh>(corrected);
        Assert.Equal(Initial, store.Values.ToArray());
        Assert.Equal(1, store.Stats(0, 0).PushesRejected);
    }

    [Fact]
    public void ShardStore_refuses_workers_not_admitted_until_it_is_loaded_again()
    {
        // Arrange
        var store = Loaded(Sgd);
        store.AdmitWorkers([4]);

        // Act
        var stranger = store.Admit(Push(0, 1, 0, Gradient(1f)));
        store.Load(3, Chunks, Sgd, Initial, 0);
        var afterReload = store.Admit(Push(0, 1, 0, Gradient(1f)));

        // Assert
        Assert.Contains("worker 0 is not a worker of this job", Assert.IsType<PushVerdict.Refused>(stranger).Rejection.Reason);
        Assert.IsType<PushVerdict.Fresh>(afterReload);
    }

    [Fact]
    public void ShardStore_refuses_a_seq_far_ahead_of_the_last_applied_without_adopting_it()
    {
        // Arrange
        var store = Loaded(Sgd);
        Admitted(store, Push(0, 1, 0, Gradient(1f)));

        // Act: a forged push numbered 2^62, then the worker's next real one.
        var forged = store.Admit(Push(0, 1L << 62, 1, Gradient(1f)));
        var next = store.Admit(Push(0, 2, 1, Gradient(1f)));

        // Assert
        Assert.Contains("ahead of its last applied push 1", Assert.IsType<PushVerdict.Refused>(forged).Rejection.Reason);
        Assert.IsType<PushVerdict.Fresh>(next);
    }

    [Fact]
    public void ShardStore_refuses_a_gradient_holding_nan_and_keeps_its_parameters()
    {
        var store = Loaded(Sgd);
        var nan = Gradient(1f);
        nan[35] = float.NaN;

        var refused = store.Admit(Push(0, 1, 0, nan));

        Assert.Contains("NaN at float 35", Assert.IsType<PushVerdict.Refused>(refused).Rejection.Reason);
        Assert.Equal(Initial, store.Values.ToArray());
    }

    [Fact]
    public void ShardStore_answers_a_pull_without_values_when_the_puller_holds_the_current_version()
    {
        // Arrange
        var store = Loaded(Sgd);
        Admitted(store, Push(1, 1, 0, Gradient(1f)));

        // Act
        var unchanged = store.Pull(new Pull(5, 1));
        var changed = store.Pull(new Pull(6, 0));

        // Assert
        Assert.Equal((3, 5L, 1L), (unchanged.ShardId, unchanged.RequestId, unchanged.Version));
        Assert.Null(unchanged.Values);
        Assert.Equal(store.Values.ToArray(), changed.Values!.Span.ToArray());
        Assert.Equal(2, store.Stats(0, 0).Pulls);
    }

    [Fact]
    public void ShardStore_reports_mean_and_max_staleness_from_the_base_version()
    {
        // Arrange
        var store = Loaded(Sgd);

        // Act: three workers compute from version 0; the store is at 0, 1 and 2 when their pushes land.
        // Worker 1 then pushes from the current version 3.
        Admitted(store, Push(1, 1, 0, Gradient(1f)));
        Admitted(store, Push(2, 1, 0, Gradient(1f)));
        Admitted(store, Push(3, 1, 0, Gradient(1f)));
        Admitted(store, Push(1, 2, 3, Gradient(1f)));
        var stats = store.Stats(0, 0);

        // Assert: staleness 0, 1, 2, 0.
        Assert.Equal(0.75, stats.MeanStaleness, 1e-12);
        Assert.Equal(2, stats.MaxStaleness);
        Assert.Equal((4L, 4L), (stats.Version, stats.PushesApplied));
    }

    [Fact]
    public void ShardStore_load_with_values_that_do_not_fill_the_chunks_fails_and_changes_nothing()
    {
        var store = new ShardStore();

        var e = Assert.Throws<ArgumentException>(() => store.Load(3, Chunks, Sgd, [1f, 2f], 0));

        Assert.Contains("2 floats", e.Message);
        Assert.Contains("hold 37", e.Message);
        Assert.False(store.Loaded);
        Assert.Equal(-1, store.ShardId);
    }

    [Fact]
    public void ShardStore_restored_from_its_snapshot_carries_on_bit_for_bit_with_adam_state()
    {
        // Arrange: three Adam steps, a snapshot, then a fourth step.
        var store = Loaded(Adam);
        for (var seq = 1; seq <= 3; seq++)
        {
            Admitted(store, Push(0, seq, seq - 1, Gradient(seq * 0.3f)));
        }

        var bytes = Sealed(store.Snapshot(7));
        var atSnapshot = store.Values.ToArray();
        Admitted(store, Push(0, 4, 3, Gradient(-0.7f)));

        // Act: a new store restores the snapshot and takes the same fourth step.
        var restored = new ShardStore();
        restored.Restore(3, Chunks, Adam, bytes, "checkpoint 7", generation: 8);
        var restoredValues = restored.Values.ToArray();
        var restoredVersion = restored.Version;
        Admitted(restored, Push(0, 4, 3, Gradient(-0.7f), generation: 8));

        // Assert: the same step lands on the same bits only if Adam's moments and step count came back exactly.
        Assert.Equal(3, restoredVersion);
        Assert.Equal(Bits(atSnapshot), Bits(restoredValues));
        Assert.Equal(Bits(store.Values.ToArray()), Bits(restored.Values.ToArray()));
    }

    [Fact]
    public void ShardStore_refuses_a_snapshot_made_with_another_optimizer_naming_it()
    {
        var bytes = Sealed(Loaded(Adam).Snapshot(2));
        var store = new ShardStore();

        var e = Assert.Throws<CorruptCheckpointException>(() => store.Restore(3, Chunks, Sgd, bytes, "checkpoint 2 of shard 3", 0));

        Assert.Contains("checkpoint 2 of shard 3 holds 37 floats of optimizer adam", e.Message);
        Assert.Contains("optimizer sgd", e.Message);
    }

    [Fact]
    public void ShardStore_refuses_a_corrupt_snapshot()
    {
        var bytes = Sealed(Loaded(Adam).Snapshot(2));
        bytes[bytes.Length / 2] ^= 0xFF;

        var store = new ShardStore();

        var e = Assert.ThrowsAny<DtrainException>(() => store.Restore(3, Chunks, Adam, bytes, "checkpoint 2", 0));

        Assert.Contains("checkpoint 2 is corrupt", e.Message);
        Assert.False(store.Loaded);
    }

    /// <summary>A gradient of varied signs and magnitudes, scaled by <paramref name="scale"/>.</summary>
    internal static float[] Gradient(float scale) =>
        Enumerable.Range(0, Initial.Length).Select(i => scale * (((i % 7) - 3) + 0.5f)).ToArray();

    private static ShardStore Loaded(OptimizerSpec optimizer)
    {
        var store = new ShardStore();
        store.Load(3, Chunks, optimizer, Initial, generation: 0);
        return store;
    }

    private static Push Push(int worker, long seq, long baseVersion, float[] gradient, long generation = 0) =>
        new(worker, seq, baseVersion, FloatBuffer.CopyOf(gradient), null, generation);

    /// <summary>Admits and applies <paramref name="push"/>, as an asynchronous shard does.</summary>
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
