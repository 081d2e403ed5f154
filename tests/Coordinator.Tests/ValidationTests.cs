// Per-epoch validation in whole in-process jobs: figures each epoch, the best epoch, and early stopping.
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dtrain.Models;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using Dtrain.Models.Metrics;
using Dtrain.ParameterServer;
using Dtrain.Protocol.Serialization;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Coordinator.Tests;

public sealed class ValidationTests : TestKit
{
    public ValidationTests()
        : base(WireConfig.SingleProcess(serializeMessages: true))
    {
    }

    [Fact]
    public void Coordinator_scores_the_validation_and_test_sets_every_epoch()
    {
        var settings = Settings(epochs: 2);
        var listener = StartJob(settings);

        var epochs = Enumerable.Range(0, 2).Select(_ => listener.ExpectMsg<EpochCompleted>(TimeSpan.FromSeconds(30))).ToList();
        var done = listener.ExpectMsg<JobCompleted>(TimeSpan.FromSeconds(10));

        Assert.All(epochs, e => Assert.Equal(("classification", 128L), (e.Validation!.Task, e.Validation.Examples)));
        Assert.All(epochs, e => Assert.Equal(e.TestAccuracy, e.Test!.Accuracy));
        Assert.Equal(2, epochs[1].Test!.TopK);
        Assert.Equal("classification", done.Task);
        Assert.Equal("val_loss", done.BestMonitor);
        Assert.Equal(epochs.MinBy(e => e.Validation!.Loss)!.Epoch, done.BestEpoch);
        Assert.False(done.StoppedEarly);
    }

    [Fact]
    public void Early_stopping_stops_the_job_after_patience_epochs_without_improvement()
    {
        // No later epoch can beat the first by more than min_delta, so epochs 2 and 3 are the two without improvement.
        var settings = Settings(epochs: 10) with { EarlyStopping = new EarlyStopping("val_loss", Patience: 2, MinDelta: 1e9) };
        var listener = StartJob(settings);

        var epochs = Enumerable.Range(0, 3).Select(_ => listener.ExpectMsg<EpochCompleted>(TimeSpan.FromSeconds(30))).ToList();
        var notice = listener.ExpectMsg<JobNotice>(TimeSpan.FromSeconds(10));
        var done = listener.ExpectMsg<JobCompleted>(TimeSpan.FromSeconds(10));

        Assert.Equal([1, 2, 3], epochs.Select(e => e.Epoch));
        Assert.StartsWith("early stopping: val_loss has not improved by more than 1000000000 for 2 epoch(s) (best ", notice.Text);
        Assert.EndsWith("at epoch 1); the job stops after epoch 3 of 10", notice.Text);
        Assert.Equal((3, 1, true), (done.Epochs, done.BestEpoch, done.StoppedEarly));
        Assert.Equal([true, false, false], epochs.Select(e => e.BestSoFar));
    }

    [Fact]
    public void Early_stopping_on_accuracy_follows_the_highest_value()
    {
        var settings = Settings(epochs: 3) with { EarlyStopping = new EarlyStopping("val_accuracy", Patience: 5) };
        var listener = StartJob(settings);

        var epochs = Enumerable.Range(0, 3).Select(_ => listener.ExpectMsg<EpochCompleted>(TimeSpan.FromSeconds(30))).ToList();
        var done = listener.ExpectMsg<JobCompleted>(TimeSpan.FromSeconds(10));

        var best = epochs.First(e => e.Validation!.Accuracy == epochs.Max(x => x.Validation!.Accuracy));
        Assert.Equal((best.Epoch, "val_accuracy", false), (done.BestEpoch, done.BestMonitor, done.StoppedEarly));
    }

    [Fact]
    public void Early_stopping_without_a_validation_set_is_refused_by_name()
    {
        var settings = Settings(epochs: 3) with { EarlyStopping = new EarlyStopping() };

        var e = Assert.Throws<DtrainException>(() => Coordinator.Props(TinyJob.Spec(settings), [], [], TestActor, TinyJob.Data(512, 1), TinyJob.Data(256, 9)));

        Assert.Equal("tiny.json: training.early_stopping watches val_loss, but the job has no validation set; give training.data.validation_split (--validation-split) or training.data.validation (--validation)", e.Message);
    }

    [Fact]
    public void Early_stopping_on_a_figure_the_task_does_not_have_is_refused_by_name()
    {
        var settings = Settings(epochs: 3) with { EarlyStopping = new EarlyStopping("val_rmse") };

        var e = Assert.Throws<DtrainException>(() => Coordinator.Props(TinyJob.Spec(settings), [], [], TestActor, TinyJob.Data(512, 1), null, validationSet: TinyJob.Data(64, 4)));

        Assert.Equal("tiny.json: training.early_stopping.monitor 'val_rmse' is not a figure of a classification; known: val_loss, val_accuracy, val_top_k_accuracy", e.Message);
    }

    private static TrainingSettings Settings(int epochs) =>
        new() { Batch = 16, Epochs = epochs, Workers = 1, PsShards = 1, PartitionSize = 128, ChunkSize = 64, Optimizer = new("adam", 0.02f), TopK = 2 };

    private Akka.TestKit.TestProbe StartJob(TrainingSettings settings)
    {
        var listener = CreateTestProbe();
        listener.IgnoreMessages(m => m is TrainingProgress);
        var shards = Enumerable.Range(0, settings.PsShards).Select(_ => Sys.ActorOf(ParameterShard.Props())).ToList();
        var workers = new List<IActorRef> { Sys.ActorOf(Dtrain.Worker.Worker.Props(TinyJob.Data(256, 1), () => new CpuBackend(1))) };
        Sys.ActorOf(Coordinator.Props(TinyJob.Spec(settings), shards, workers, listener.Ref, TinyJob.Data(256, 1), TinyJob.Data(128, 9), validationSet: TinyJob.Data(128, 5)));
        return listener;
    }
}
