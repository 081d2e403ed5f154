// The worker's push pipeline without an actor system: which steps push and how, sequence numbers, parts sent in
// the order backward finishes them, in-flight counts, and answers to pushes of a job that is gone.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends.Cpu;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Worker.Tests;

public sealed class PushPipelineTests
{
    [Fact]
    public void PushPipeline_pushes_every_n_push_steps_and_at_the_end_of_a_partition_summing_the_steps_between()
    {
        using var tiny = new TinyReplica();
        using var pushes = tiny.Pipeline(pushEvery: 3);

        var plans = new[] { pushes.PlanStep(false), pushes.PlanStep(false), pushes.PlanStep(false), pushes.PlanStep(false), pushes.PlanStep(true) };

        Assert.Equal(
            [new(false, StepPush.None), new(true, StepPush.None), new(true, StepPush.DuringBackward), new(false, StepPush.None), new StepPlan(true, StepPush.DuringBackward)],
            plans);
    }

    [Fact]
    public void PushPipeline_without_overlap_pushes_after_backward()
    {
        using var tiny = new TinyReplica();
        using var pushes = tiny.Pipeline(overlap: false);

        Assert.Equal(new StepPlan(false, StepPush.AfterBackward), pushes.PlanStep(false));
    }

    [Fact]
    public void PushPipeline_sends_each_shard_its_gradient_as_backward_finishes_it_the_last_layer_first()
    {
        // Arrange: a replica at known parameters, and the gradient of its first batch from an executor of its own.
        using var tiny = new TinyReplica();
        var parameters = TinyReplica.Model.InitialParameters(3);
        var expected = ReferenceGradient(tiny, parameters);
        PushPipeline? pushes = null;
        var sent = new List<OutgoingPush>();
        pushes = tiny.Pipeline(ready: route =>
        {
            pushes!.Stage(route, tiny.Replica);
            while (pushes.HeadLanded(wait: true))
            {
                sent.Add(pushes.Send());
            }
        });
        tiny.ScatterAll(parameters);

        // Act: one overlapped step.
        var plan = pushes.PlanStep(true);
        tiny.Replica.LoadBatch(new AssignPartition(1, 0, Enumerable.Range(0, TinyReplica.Batch).ToArray()), 0, TinyReplica.Batch);
        tiny.Replica.Forward();
        pushes.Begin();
        tiny.Replica.Backward(plan.Accumulate, pushes.Readiness);
        pushes.Finish();

        // Assert: the output layer's shard first, each with its exact part, both in flight under push 1.
        Assert.Equal([1, 0], sent.Select(p => p.Route));
        Assert.All(sent, p => Assert.Equal(1, p.Seq));
        AssertClose(expected.AsSpan(40, 27), sent[0].Payload.Span);
        AssertClose(expected.AsSpan(0, 40), sent[1].Payload.Span);
        Assert.Equal(1, pushes.MostInFlight);
        pushes.Dispose();
    }

    [Fact]
    public void PushPipeline_counts_a_push_in_flight_until_its_shard_acknowledges_it_once()
    {
        using var tiny = new TinyReplica();
        using var pushes = tiny.Pipeline();
        pushes.Begin();
        pushes.Stage(0, tiny.Replica);
        Assert.True(pushes.HeadLanded(wait: true));
        var push = pushes.Send();
        pushes.Finish();

        Assert.Equal(1, pushes.MostInFlight);
        Assert.False(pushes.Acknowledged(1, push.Seq));
        Assert.True(pushes.Acknowledged(0, push.Seq));
        Assert.False(pushes.Acknowledged(0, push.Seq));
        Assert.Equal(0, pushes.MostInFlight);
    }

    [Fact]
    public void PushPipeline_numbers_pushes_on_from_the_previous_jobs_and_ignores_answers_to_those()
    {
        using var tiny = new TinyReplica();
        using var pushes = tiny.Pipeline(lastSeq: 4);
        pushes.Begin();

        Assert.Equal(5, pushes.LastSeq);
        Assert.True(pushes.SentBeforeJoining(4));
        Assert.False(pushes.SentBeforeJoining(5));
        Assert.False(pushes.Acknowledged(0, 4));
    }

    [Fact]
    public void PushPipeline_abandons_staged_parts_unsent()
    {
        using var tiny = new TinyReplica();
        using var pushes = tiny.Pipeline();
        pushes.Begin();
        pushes.Stage(0, tiny.Replica);
        pushes.Stage(1, tiny.Replica);

        pushes.Abandon();

        Assert.False(pushes.HeadLanded(wait: true));
        Assert.Equal(0, pushes.MostInFlight);
    }

    private static float[] ReferenceGradient(TinyReplica tiny, float[] parameters)
    {
        using var backend = new CpuBackend(1);
        using var executor = new GraphExecutor(TinyReplica.Model, backend, TinyReplica.Batch, training: true);
        var features = new float[TinyReplica.Batch * 4];
        var labels = new float[TinyReplica.Batch];
        tiny.Data.Gather(Enumerable.Range(0, TinyReplica.Batch).ToArray(), features, labels);
        backend.Upload(parameters, executor.Parameters);
        executor.SetBatch(features, labels, TinyReplica.Batch);
        executor.Forward();
        executor.Backward();
        var gradient = new float[parameters.Length];
        backend.Download(executor.Gradients, gradient);
        return gradient;
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"float {i}: expected {expected[i]}, pushed {actual[i]}");
        }
    }
}
