// The worker's replica without an actor system: pulled values land where their chunks say, the loss is taken once
// per step and a loss that is not finite fails the step by name, and a model that cannot read the data is refused.
using Dtrain.Models;
using Dtrain.Models.Data;
using Dtrain.Protocol;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Worker.Tests;

public sealed class ReplicaTests
{
    [Fact]
    public void Replica_places_each_pulled_chunk_at_its_offset_in_the_parameters()
    {
        using var tiny = new TinyReplica();
        var parameters = Enumerable.Range(0, 67).Select(i => (float)i).ToArray();

        tiny.ScatterAll(parameters);

        // State chunks copy out values: read both routes back as if they were running statistics.
        using var host = tiny.Backend.AllocateHost(67);
        tiny.Replica.CopyOut([.. TinyReplica.Routes[0].Select(c => c with { State = true }), .. TinyReplica.Routes[1].Select(c => c with { State = true })], host).Wait();
        Assert.Equal(parameters, host.Array.AsSpan(0, 67).ToArray());
    }

    [Fact]
    public void Replica_refuses_pulled_values_of_another_size_naming_both_sizes()
    {
        using var tiny = new TinyReplica();

        var e = Assert.Throws<DtrainException>(() => tiny.Replica.Scatter(new float[39], TinyReplica.Routes[0]));

        Assert.Equal("a shard sent 39 floats for 2 chunks of 40 floats", e.Message);
    }

    [Fact]
    public void Replica_gives_each_steps_loss_once_summed_over_the_batch()
    {
        using var tiny = new TinyReplica();
        tiny.ScatterAll(TinyReplica.Model.InitialParameters(3));
        tiny.Replica.LoadBatch(new AssignPartition(1, 0, [0, 1, 2]), 0, 3);

        tiny.Replica.Forward();
        tiny.Replica.Synchronize();
        var loss = tiny.Replica.TakeLoss();

        Assert.NotNull(loss);
        Assert.True(loss > 0 && double.IsFinite(loss.Value));
        Assert.Null(tiny.Replica.TakeLoss());
    }

    [Fact]
    public void Replica_fails_a_step_whose_loss_is_not_finite_naming_the_worker_epoch_and_partition()
    {
        using var tiny = new TinyReplica(workerId: 5);
        tiny.ScatterAll(Enumerable.Repeat(float.NaN, 67).ToArray());
        tiny.Replica.LoadBatch(new AssignPartition(2, 9, [0, 1, 2, 3]), 0, 4);

        tiny.Replica.Forward();
        tiny.Replica.Synchronize();
        var e = Assert.Throws<DtrainException>(() => tiny.Replica.TakeLoss());

        Assert.Equal("worker 5: the loss became NaN at epoch 2, partition 9; lower the learning rate", e.Message);
    }

    [Fact]
    public void Replica_check_refuses_a_data_set_whose_examples_have_another_width()
    {
        var wide = new Dataset("wide", [5], 3, new float[10], new int[2]);

        var e = Assert.Throws<DtrainException>(() => Replica.CheckFits(TinyReplica.Model, wide, "tiny.json"));

        Assert.Equal("tiny.json: the model's features have 4 floats per example but data set 'wide' has 5", e.Message);
    }
}
