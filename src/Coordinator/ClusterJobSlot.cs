// The cluster's one job slot: whether a submission is accepted, refused or answered as a resend, when a waiting job
// starts or gives up waiting, and when it must resume from its journal rather than start. Plain state; the singleton
// actor sends what it decides.
namespace Dtrain.Coordinator;

/// <summary>
/// One job runs at a time on a cluster. A submission is first prepared (its data read), then accepted and waits until
/// enough shards and workers have registered; a job the previous singleton ran, or one whose shard was lost, waits the
/// same way and then resumes from its journal's checkpoints. Times are the caller's clock.
/// </summary>
public sealed class ClusterJobSlot
{
    /// <summary>How long a job waits for the shards and workers it asks for.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromMinutes(2);

    private DateTime _waitingSince;

    /// <summary>The current job (waiting, running or resuming); null when the slot is free.</summary>
    public JobSpec? Job { get; private set; }

    /// <summary>The client's id of the current job's submission (empty when it gave none).</summary>
    public string SubmissionId { get; private set; } = "";

    /// <summary>The submission whose data is being read (null: none).</summary>
    public string? Preparing { get; private set; }

    /// <summary>Jobs accepted since the cluster first started (journaled, so job ids never repeat).</summary>
    public int JobCount { get; private set; }

    /// <summary>False until the cluster journal has been read (or given up on): submissions wait until then.</summary>
    public bool Recovered { get; private set; }

    /// <summary>Why the current job must resume rather than start; null for a new job.</summary>
    public string? ResumeReason { get; private set; }

    /// <summary>The checkpoints the resuming job goes on from, once its journal has been read.</summary>
    public ResumePlan? ResumePlan { get; private set; }

    /// <summary>True while the current job's journal is being read.</summary>
    public bool ReadingJournal { get; private set; }

    /// <summary>True while a job actor runs the current job.</summary>
    public bool Running { get; private set; }

    /// <summary>What to answer a submission; <see cref="SubmitAnswer.Prepare"/> marks it as being prepared.</summary>
    public SubmitAnswer Submit(string submissionId)
    {
        if (!Recovered)
        {
            return SubmitAnswer.NotYet; // the journal is still being read; the client sends again until accepted
        }

        if (Job is not null)
        {
            return submissionId.Length > 0 && submissionId == SubmissionId ? SubmitAnswer.AlreadyAccepted : SubmitAnswer.Busy;
        }

        if (Preparing is { } preparing)
        {
            return submissionId.Length > 0 && submissionId == preparing ? SubmitAnswer.StillPreparing : SubmitAnswer.BusyPreparing;
        }

        Preparing = submissionId;
        return SubmitAnswer.Prepare;
    }

    /// <summary>The submission being prepared is ready (or failed); false when a resumed job took the slot meanwhile.</summary>
    public bool Prepared()
    {
        Preparing = null;
        return Job is null;
    }

    /// <summary>Accepts <paramref name="job"/> at <paramref name="now"/>: it gets a unique id and waits for shards and workers.</summary>
    public JobSpec Accept(JobSpec job, string[]? trainArgs, string submissionId, DateTime now)
    {
        JobCount++;
        Job = job with { JobId = $"{job.JobId}-{now:yyyyMMdd-HHmmss}-{JobCount}", TrainArgs = trainArgs };
        SubmissionId = submissionId;
        _waitingSince = now;
        return Job;
    }

    /// <summary>The cluster journal was read (or cannot be): <paramref name="jobCount"/> jobs were accepted before.</summary>
    public void JournalRecovered(int jobCount = 0)
    {
        Recovered = true;
        JobCount = Math.Max(JobCount, jobCount);
    }

    /// <summary>A job the previous singleton ran takes the slot, to resume once its shards and workers are back.</summary>
    public void Resume(JobSpec job, string submissionId, DateTime now)
    {
        Job = job;
        SubmissionId = submissionId;
        ResumeReason = "a new coordinator took over";
        _waitingSince = now;
    }

    /// <summary>What to do for the waiting job now, with <paramref name="shards"/> and <paramref name="workers"/> registered.</summary>
    public StartDecision TryStart(int shards, int workers, DateTime now)
    {
        if (Job is not { } job || Running || ReadingJournal)
        {
            return new StartDecision(StartAction.Nothing);
        }

        var settings = job.Settings;
        if (shards < settings.PsShards || workers < settings.Workers)
        {
            return now - _waitingSince > WaitLimit
                ? new StartDecision(StartAction.GiveUp, $"only {shards} of {settings.PsShards} shard(s) and {workers} of {settings.Workers} worker(s) registered within {WaitLimit.TotalSeconds:F0} s{(ResumeReason is { } why ? $" after {why}" : "")}")
                : new StartDecision(StartAction.Nothing);
        }

        if (ResumeReason is not null && ResumePlan is null)
        {
            ReadingJournal = true;
            return new StartDecision(StartAction.ReadJournal);
        }

        return new StartDecision(StartAction.Start);
    }

    /// <summary>
    /// Job <paramref name="jobId"/>'s journal was read: the reason it resumes, or null when the answer is for a job
    /// that no longer waits for it.
    /// </summary>
    public string? JournalRead(string jobId)
    {
        ReadingJournal = false;
        return Job is { } job && job.JobId == jobId ? ResumeReason : null;
    }

    /// <summary>The resuming job goes on from <paramref name="plan"/>.</summary>
    public void ResumeFrom(ResumePlan plan) => ResumePlan = plan;

    /// <summary>A job actor now runs the job; the resume (if any) is in its hands.</summary>
    public void Started()
    {
        Running = true;
        (ResumeReason, ResumePlan) = (null, null);
    }

    /// <summary>The job actor stopped because of <paramref name="reason"/> (a lost shard): the job waits to resume.</summary>
    public void Paused(string reason, DateTime now)
    {
        Running = false;
        ResumeReason = reason;
        _waitingSince = now;
    }

    /// <summary>The job ended (completed or failed): the slot is free.</summary>
    public void Ended()
    {
        (ResumeReason, ResumePlan, ReadingJournal, Running, Job) = (null, null, false, false, null);
    }

    /// <summary>The answers to a submission.</summary>
    public enum SubmitAnswer
    {
        /// <summary>The journal is still being read: no answer; the client sends again.</summary>
        NotYet,

        /// <summary>A resend of the job already accepted.</summary>
        AlreadyAccepted,

        /// <summary>Another job holds the cluster.</summary>
        Busy,

        /// <summary>A resend of the submission whose data is being read.</summary>
        StillPreparing,

        /// <summary>Another submission's data is being read.</summary>
        BusyPreparing,

        /// <summary>Read this submission's data: it is the one prepared now.</summary>
        Prepare,
    }

    /// <summary>What a waiting job does now.</summary>
    public enum StartAction
    {
        /// <summary>Go on waiting (or no job waits).</summary>
        Nothing,

        /// <summary>Waited too long: fail the job with the reason.</summary>
        GiveUp,

        /// <summary>Read the job's journal first: it resumes.</summary>
        ReadJournal,

        /// <summary>Start the job actor.</summary>
        Start,
    }

    /// <summary>A start decision; <paramref name="Reason"/> says why a job gives up.</summary>
    public sealed record StartDecision(StartAction Action, string Reason = "");
}
