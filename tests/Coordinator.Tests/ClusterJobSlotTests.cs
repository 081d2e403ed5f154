// ClusterJobSlot without an actor system: one job at a time, resends answered, a waiting job started, given up on
// or resumed from its journal.
using Dtrain.Coordinator;
using Dtrain.Models.Graph;
using static Dtrain.Coordinator.ClusterJobSlot;

namespace Dtrain.Coordinator.Tests;

public sealed class ClusterJobSlotTests
{
    private static readonly DateTime Noon = new(2026, 1, 2, 12, 0, 0, DateTimeKind.Utc);

    private static JobSpec Job() => TinyJob.Spec(new TrainingSettings { Workers = 2, PsShards = 1 });

    private static ClusterJobSlot Recovered()
    {
        var slot = new ClusterJobSlot();
        slot.JournalRecovered(jobCount: 4);
        return slot;
    }

    [Fact]
    public void ClusterJobSlot_leaves_submissions_unanswered_until_the_journal_is_read()
    {
        var slot = new ClusterJobSlot();

        Assert.Equal(SubmitAnswer.NotYet, slot.Submit("a"));
        slot.JournalRecovered();
        Assert.Equal(SubmitAnswer.Prepare, slot.Submit("a"));
    }

    [Fact]
    public void ClusterJobSlot_prepares_one_submission_at_a_time_and_answers_its_resends()
    {
        var slot = Recovered();

        Assert.Equal(SubmitAnswer.Prepare, slot.Submit("a"));
        Assert.Equal(SubmitAnswer.StillPreparing, slot.Submit("a"));
        Assert.Equal(SubmitAnswer.BusyPreparing, slot.Submit("b"));
        Assert.Equal(SubmitAnswer.BusyPreparing, slot.Submit("")); // no id: never a resend
    }

    [Fact]
    public void ClusterJobSlot_accepts_a_prepared_job_under_a_new_id_and_refuses_others_while_it_holds_the_cluster()
    {
        var slot = Recovered();
        slot.Submit("a");
        Assert.True(slot.Prepared());

        var job = slot.Accept(Job(), ["--epochs", "2"], "a", Noon);

        Assert.Equal("tiny-20260102-120000-5", job.JobId); // numbered after the journal's 4 jobs
        Assert.Equal(["--epochs", "2"], job.TrainArgs!);
        Assert.Equal(SubmitAnswer.AlreadyAccepted, slot.Submit("a"));
        Assert.Equal(SubmitAnswer.Busy, slot.Submit("b"));
    }

    [Fact]
    public void ClusterJobSlot_starts_a_job_once_enough_shards_and_workers_registered()
    {
        var slot = Recovered();
        slot.Accept(Job(), null, "a", Noon);

        Assert.Equal(StartAction.Nothing, slot.TryStart(shards: 1, workers: 1, Noon.AddSeconds(5)).Action);
        Assert.Equal(StartAction.Start, slot.TryStart(shards: 1, workers: 2, Noon.AddSeconds(6)).Action);
        slot.Started();
        Assert.Equal(StartAction.Nothing, slot.TryStart(shards: 1, workers: 3, Noon.AddSeconds(7)).Action);
    }

    [Fact]
    public void ClusterJobSlot_gives_up_a_job_that_waited_longer_than_the_limit()
    {
        var slot = Recovered();
        slot.Accept(Job(), null, "a", Noon);

        Assert.Equal(StartAction.Nothing, slot.TryStart(0, 1, Noon + WaitLimit).Action);
        var decision = slot.TryStart(0, 1, Noon + WaitLimit + TimeSpan.FromSeconds(1));

        Assert.Equal(new StartDecision(StartAction.GiveUp, "only 0 of 1 shard(s) and 1 of 2 worker(s) registered within 120 s"), decision);
    }

    [Fact]
    public void ClusterJobSlot_resumes_a_job_after_a_lost_shard_from_its_journal_once_the_shards_are_back()
    {
        var slot = Recovered();
        var job = slot.Accept(Job(), null, "a", Noon);
        slot.TryStart(1, 2, Noon);
        slot.Started();

        slot.Paused("shard 0 stopped", Noon.AddMinutes(1));

        Assert.Equal(StartAction.Nothing, slot.TryStart(0, 2, Noon.AddMinutes(2)).Action);
        Assert.Equal(StartAction.ReadJournal, slot.TryStart(1, 2, Noon.AddMinutes(2)).Action);
        Assert.Equal(StartAction.Nothing, slot.TryStart(1, 2, Noon.AddMinutes(2)).Action); // reading
        Assert.Null(slot.JournalRead("another-job"));
        Assert.Equal("shard 0 stopped", slot.JournalRead(job.JobId));
        slot.ResumeFrom(new ResumePlan([], 0, "shard 0 stopped"));
        Assert.Equal(StartAction.Start, slot.TryStart(1, 2, Noon.AddMinutes(2)).Action);
    }

    [Fact]
    public void ClusterJobSlot_after_a_new_coordinator_took_over_waits_for_the_journal_and_says_why_it_gave_up()
    {
        var slot = Recovered();
        slot.Resume(Job(), "a", Noon);

        Assert.Equal(SubmitAnswer.AlreadyAccepted, slot.Submit("a"));
        var decision = slot.TryStart(0, 0, Noon.AddMinutes(3));
        Assert.Equal(StartAction.GiveUp, decision.Action);
        Assert.EndsWith("after a new coordinator took over", decision.Reason);
    }

    [Fact]
    public void ClusterJobSlot_is_free_again_once_the_job_ended()
    {
        var slot = Recovered();
        slot.Accept(Job(), null, "a", Noon);
        slot.Started();

        slot.Ended();

        Assert.Null(slot.Job);
        Assert.Equal(SubmitAnswer.Prepare, slot.Submit("b"));
    }

    [Fact]
    public void ClusterJobSlot_a_job_resumed_while_a_submission_was_prepared_keeps_the_cluster()
    {
        var slot = Recovered();
        slot.Submit("b");
        slot.Resume(Job(), "a", Noon);

        Assert.False(slot.Prepared());
    }
}
