// What the bench reads from dtrain submit's output (DTRAIN_PROGRESS=lines): the step at a fault, and the steps seen
// trained and then trained again after a resume.
using Dtrain.Bench.Faults;

namespace Dtrain.Bench.Tests;

public sealed class ClientOutputTests
{
    [Fact]
    public void The_position_is_the_epoch_under_way_and_the_last_step_counted()
    {
        // Arrange
        const string output = """
            dtrain: mnist-mlp (535,818 parameters) submitted to 127.0.0.1:1 as mnist-mlp-1: async
            epoch  train_loss  test_acc  examples/s  epoch_s  elapsed_s  rss_mb
            progress: epoch 1 partition 4/19 step 100 loss 0.5000
              checkpoint 1 saved (100 steps since the last; resumes at epoch 1, step 100): 2 shard(s), 6.4 MB in 0.31 s, serving paused 1.2 ms
                1      0.2301    96.21 %      18,200     3.3        4.0     210
              checkpoint 5 saved (100 steps since the last; resumes at epoch 2, step 1,012): 2 shard(s), 6.4 MB in 0.31 s, serving paused 1.2 ms
            progress: epoch 2 partition 23/19 step 1037 loss 0.1000
            """;

        // Act / Assert
        Assert.Equal((2, 1037L), FaultyJob.Position(output));
        Assert.Equal((2, 1012L), FaultyJob.Position(output[..output.IndexOf("progress: epoch 2", StringComparison.Ordinal)].Replace("progress:", "x:", StringComparison.Ordinal)));
        Assert.Equal((1, 0L), FaultyJob.Position("dtrain: submitted\n"));
    }

    [Fact]
    public void Steps_counted_before_a_resume_beyond_its_checkpoint_are_retrained()
    {
        // Arrange: 350 steps counted, the coordinator dies, its successor resumes at step 100.
        const string output = """
            progress: epoch 1 partition 4/19 step 100 loss 0.5
            progress: epoch 1 partition 14/19 step 350 loss 0.3
              resumed from checkpoint 1 (a new coordinator took over): epoch 1, 4 of 19 partitions done, step 100; 0 step(s) trained after it are trained again
            progress: epoch 1 partition 5/19 step 125 loss 0.3
            """;

        // Act / Assert
        Assert.Equal(250, FaultyJob.RetrainedSteps(output));
    }

    [Fact]
    public void A_restart_from_the_beginning_retrains_everything_counted_and_no_resume_means_unknown()
    {
        // Arrange
        const string output = """
            progress: epoch 1 partition 18/19 step 450 loss 0.3
            dtrain: warning: no complete checkpoint to resume from: the job starts again from the beginning (450 steps are trained again)
            progress: epoch 1 partition 1/19 step 25 loss 0.9
            progress: epoch 1 partition 2/19 step 1,050 loss 0.9
              resumed from checkpoint 3 (parameter shard ps-1 on x stopped): epoch 3, 0 of 19 partitions done, step 938; 0 step(s) trained after it are trained again
            """;

        // Act / Assert
        Assert.Equal(450 + 112, FaultyJob.RetrainedSteps(output));
        Assert.Null(FaultyJob.RetrainedSteps("progress: epoch 1 partition 1/19 step 25 loss 0.9\n"));
    }
}
