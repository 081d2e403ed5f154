// A synchronous round without an actor system: it stays open until N pushes came, applies their mean once, drops
// late pushes, answers held pulls only after the apply, and never waits for a worker that left.
using Dtrain.Protocol;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.ParameterServer.Tests;

public sealed class SyncRoundCoreTests
{
    private const float LearningRate = 0.5f;
    private static readonly ChunkInfo[] Chunks = [new(0, 0, 0, 19)];
    private static readonly float[] Initial = Enumerable.Range(0, 19).Select(i => 1f + (i * 0.5f)).ToArray();
    private static readonly OptimizerSpec Sgd = new("sgd", LearningRate, 0f, 0.9f, 0.999f, 1e-8f, 0f);

    private readonly ShardStore _store = new();

    public SyncRoundCoreTests() => _store.Load(3, Chunks, Sgd, Initial, generation: 0);

    [Fact]
    public void SyncRound_stays_open_until_quorum_pushes_came()
    {
        // Arrange
        var round = Round(quorum: 2, activeWorkers: 3);

        // Act
        var first = Contribute(round, "w0", Push(0, 1, 0, Gradient(1f)));

        // Assert: nothing to send, nothing applied.
        Assert.False(first.Closed);
        Assert.Empty(first.Acks);
        Assert.Equal(0, _store.Version);
        Assert.Equal(Initial, _store.Values.ToArray());
    }

    [Fact]
    public void SyncRound_closes_after_quorum_pushes_applying_their_mean_once_and_acks_each()
    {
        // Arrange
        var round = Round(quorum: 2, activeWorkers: 3);
        var g0 = Gradient(1f);
        var g1 = Gradient(-3f);
        Contribute(round, "w0", Push(0, 1, 0, g0));

        // Act
        var closed = Contribute(round, "w1", Push(1, 1, 0, g1));

        // Assert
        Assert.True(closed.Closed);
        Assert.Equal([("w0", new PushAck(3, 0, 1, 1, true)), ("w1", new PushAck(3, 1, 1, 1, true))], closed.Acks);
        var expected = Initial.Select((w, i) => w - (LearningRate * ((g0[i] + g1[i]) * 0.5f))).ToArray();
        Assert.Equal(expected, _store.Values.ToArray());
        var stats = _store.Stats(round.LateDropped, round.Rounds);
        Assert.Equal((1L, 1L, 2L), (stats.Version, stats.Rounds, stats.PushesApplied));
    }

    [Fact]
    public void SyncRound_drops_a_push_computed_from_a_round_already_applied()
    {
        // Arrange
        var round = Round(quorum: 2, activeWorkers: 3);
        Contribute(round, "w0", Push(0, 1, 0, Gradient(1f)));
        Contribute(round, "w1", Push(1, 1, 0, Gradient(1f)));
        var applied = _store.Values.ToArray();

        // Act: the backup worker's push from round 0 arrives after the round applied.
        var late = Contribute(round, "w2", Push(2, 1, 0, Gradient(100f)));

        // Assert
        Assert.False(late.Closed);
        Assert.Equal([("w2", new PushAck(3, 2, 1, 1, false))], late.Acks);
        Assert.Equal(applied, _store.Values.ToArray());
        Assert.Equal((1L, 1L), (round.LateDropped, round.Rounds));
    }

    [Fact]
    public void SyncRound_answers_a_pull_for_the_next_round_only_after_the_round_applies()
    {
        // Arrange: worker 0 has pushed round 0 and asks for round 1.
        var round = Round(quorum: 2, activeWorkers: 2);
        Contribute(round, "w0", Push(0, 1, 0, Gradient(1f)));

        // Act
        var held = round.Holds(_store, new Pull(11, 0), "w0");
        var closed = Contribute(round, "w1", Push(1, 1, 0, Gradient(2f)));

        // Assert: the answer carries the values after the apply.
        Assert.True(held);
        var (to, pulled) = Assert.Single(closed.Pulls);
        Assert.Equal(("w0", 11L, 1L), (to, pulled.RequestId, pulled.Version));
        Assert.Equal(_store.Values.ToArray(), pulled.Values!.Span.ToArray());
    }

    [Fact]
    public void SyncRound_does_not_hold_a_pull_from_a_worker_behind_the_current_round()
    {
        var round = Round(quorum: 2, activeWorkers: 2);

        Assert.False(round.Holds(_store, new Pull(1, -1), "w0"));
    }

    [Fact]
    public void SyncRound_does_not_wait_for_a_worker_that_stopped_taking_part()
    {
        // Arrange
        var round = Round(quorum: 2, activeWorkers: 2);
        Assert.False(Contribute(round, "w0", Push(0, 1, 0, Gradient(1f))).Closed);

        // Act
        var closed = round.Membership(_store, 1, active: false);

        // Assert
        Assert.Equal([("w0", new PushAck(3, 0, 1, 1, true))], closed.Acks);
    }

    [Fact]
    public void SyncRound_keeps_the_latest_values_of_state_chunks_unaveraged()
    {
        // Arrange
        var store = new ShardStore();
        store.Load(0, [new(0, 0, 0, 2), new(1, 0, 2, 2, State: true)], Sgd, [1f, 1f, 0f, 0f], 0);
        var round = new SyncRound<string>(2, store.Floats);
        round.Membership(store, 0, true);
        round.Membership(store, 1, true);

        // Act
        foreach (var (from, push) in new[] { ("w0", Push(0, 1, 0, [2f, 2f, 5f, 5f])), ("w1", Push(1, 1, 0, [4f, 4f, 7f, 9f])) })
        {
            Assert.IsType<PushVerdict.Fresh>(store.Admit(push));
            round.Contribute(store, push, from);
        }

        // Assert: the trainable run steps by the mean gradient 3; the state run holds the last pushed values.
        Assert.Equal([1f - (LearningRate * 3f), 1f - (LearningRate * 3f), 7f, 9f], store.Values.ToArray());
    }

    private static float[] Gradient(float scale) => Enumerable.Range(0, Initial.Length).Select(i => scale * ((i % 5) - 2.25f)).ToArray();

    private static Push Push(int worker, long seq, long baseVersion, float[] gradient) => new(worker, seq, baseVersion, FloatBuffer.CopyOf(gradient));

    private SyncRound<string> Round(int quorum, int activeWorkers)
    {
        var round = new SyncRound<string>(quorum, _store.Floats);
        for (var w = 0; w < activeWorkers; w++)
        {
            Assert.False(round.Membership(_store, w, active: true).Closed);
        }

        return round;
    }

    /// <summary>Admits <paramref name="push"/> at the store and adds it to the round, as the shard does.</summary>
    private RoundOutcome<string> Contribute(SyncRound<string> round, string from, Push push)
    {
        Assert.IsType<PushVerdict.Fresh>(_store.Admit(push));
        return round.Contribute(_store, push, from);
    }
}
