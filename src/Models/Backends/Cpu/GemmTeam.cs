// A tiny fixed team of helper threads for multithreaded GEMM. Parts of a job are claimed, not
// assigned: a helper that wakes late finds them taken, so the caller never waits on a sleeping
// thread, and a busy machine costs at worst the single-threaded time.
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Dtrain.Models.Backends.Cpu;

/// <summary>
/// Runs a split <see cref="GemmJob"/> on the caller plus <c>ProcessorCount - 1</c> helpers. One call
/// owns the team at a time; a concurrent call finds it busy and runs on its own thread instead.
/// </summary>
internal static class GemmTeam
{
    /// <summary>
    /// How long an idle helper spins (yielding) before it blocks: 200 microseconds. Training steps issue
    /// GEMMs back to back, and waking a blocked thread costs tens of microseconds, a tenth of a small layer.
    /// </summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000;

    private static readonly object Owner = new();
    private static readonly object Sleep = new();
    private static Thread[]? s_helpers;
    private static GemmJob s_job;
    private static Action<int>? s_action;
    private static int s_parts;
    private static int s_generation;

    /// <summary>The generation in the high half, the next unclaimed part in the low half.</summary>
    private static long s_claims;

    private static int s_done;
    private static ExceptionDispatchInfo? s_failure;

    /// <summary>
    /// Runs all of <paramref name="job"/>'s parts and returns true, or returns false at once, having
    /// done nothing, if another call holds the team.
    /// </summary>
    public static bool TryRun(ref GemmJob job) => TryRun(ref job, null, job.Parts);

    /// <summary>
    /// Runs <paramref name="action"/>(p) for every p in [0, <paramref name="parts"/>) on the team (the CPU
    /// backend's per-example loops share the helpers GEMM keeps warm), or returns false at once if another
    /// call holds the team. The action must not start a multithreaded GEMM: the caller already owns the team.
    /// </summary>
    public static bool TryRun(Action<int> action, int parts)
    {
        GemmJob none = default;
        return TryRun(ref none, action, parts);
    }

    private static bool TryRun(ref GemmJob job, Action<int>? action, int parts)
    {
        if (!Monitor.TryEnter(Owner))
            return false;
        try
        {
            s_helpers ??= StartHelpers(Environment.ProcessorCount - 1);
            int generation = s_generation + 1;
            s_job = job;
            s_action = action;
            s_parts = parts;
            s_failure = null;
            Volatile.Write(ref s_done, 0);
            Volatile.Write(ref s_claims, (long)generation << 32);
            lock (Sleep)
            {
                Volatile.Write(ref s_generation, generation);
                Monitor.PulseAll(Sleep);
            }

            // The caller works too, then waits only for parts a helper has already started: the job
            // lives on the caller's (pinned) buffers, so no helper may still be in it after we return.
            ClaimAndRun(generation);
            // Never Sleep(1) here, as SpinWait's default does: a millisecond dwarfs a 100-microsecond part.
            var spin = new SpinWait();
            while (Volatile.Read(ref s_done) != parts)
                spin.SpinOnce(sleep1Threshold: -1);
            s_failure?.Throw();
            return true;
        }
        finally
        {
            Monitor.Exit(Owner);
        }
    }

    /// <summary>Claims and runs parts of job <paramref name="generation"/> until none is left.</summary>
    private static void ClaimAndRun(int generation)
    {
        while (true)
        {
            long claims = Volatile.Read(ref s_claims);
            int part = (int)claims;
            // s_parts may already hold a later job's count here, so it is only a hint until the claim succeeds;
            // a wrong hint either skips a part the caller then runs, or claims past the end, which is idle.
            if ((int)(claims >> 32) != generation || part >= s_parts)
                return;
            if (Interlocked.CompareExchange(ref s_claims, claims + 1, claims) != claims)
                continue;
            // Claimed: the caller of this generation now waits for this part, so the job is stable.
            try
            {
                if (part < s_parts)
                {
                    if (s_action is { } action)
                        action(part);
                    else
                        s_job.RunPart(part);
                }
            }
            catch (Exception e)
            {
                s_failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                if (part < s_parts)
                    Interlocked.Increment(ref s_done);
            }
        }
    }

    private static Thread[] StartHelpers(int count)
    {
        var helpers = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            helpers[i] = new Thread(HelperLoop) { IsBackground = true, Name = $"dtrain-gemm-{i + 1}" };
            helpers[i].Start();
        }
        return helpers;
    }

    private static void HelperLoop()
    {
        int seen = 0;
        while (true)
        {
            seen = WaitForJob(seen);
            ClaimAndRun(seen);
        }
    }

    /// <summary>Waits until the job generation moves past <paramref name="seen"/>; returns the new one.</summary>
    private static int WaitForJob(int seen)
    {
        long start = Stopwatch.GetTimestamp();
        while (Volatile.Read(ref s_generation) == seen)
        {
            long waited = Stopwatch.GetTimestamp() - start;
            if (waited < SpinTicks / 4)
            {
                // Busy-wait first: yielding on a loaded machine can hand the core away for a whole
                // time slice, and the next job would then run on the caller alone.
                Thread.SpinWait(32);
            }
            else if (waited < SpinTicks)
            {
                Thread.Yield();
            }
            else
            {
                // Checked again under the lock the dispatcher pulses under, so no wake-up is lost.
                lock (Sleep)
                {
                    while (Volatile.Read(ref s_generation) == seen)
                        Monitor.Wait(Sleep);
                }
            }
        }
        return Volatile.Read(ref s_generation);
    }
}
