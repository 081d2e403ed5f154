// A tiny fixed team of helper threads for multithreaded GEMM: the caller runs part 0 and the helpers
// the rest. Helpers spin briefly after each job, since training steps issue GEMMs back to back and
// waking a sleeping thread costs tens of microseconds, a tenth of a small MLP layer's multiply.
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Dtrain.Models.Backends.Cpu;

/// <summary>
/// Runs a split <see cref="GemmJob"/> on the caller plus <c>ProcessorCount - 1</c> helpers. One call
/// owns the team at a time; a concurrent call finds it busy and runs on its own thread instead.
/// </summary>
internal static class GemmTeam
{
    /// <summary>How long an idle helper spins (yielding) before it blocks: 200 microseconds.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000;

    private static readonly object Owner = new();
    private static readonly object Sleep = new();
    private static Thread[]? s_helpers;
    private static GemmJob s_job;
    private static int s_generation;
    private static int s_pending;
    private static ExceptionDispatchInfo? s_failure;

    /// <summary>
    /// Runs all of <paramref name="job"/>'s parts and returns true, or returns false at once, having
    /// done nothing, if another call holds the team.
    /// </summary>
    public static bool TryRun(ref GemmJob job)
    {
        if (!Monitor.TryEnter(Owner))
            return false;
        try
        {
            Thread[] helpers = s_helpers ??= StartHelpers(Environment.ProcessorCount - 1);
            s_job = job;
            s_failure = null;
            Volatile.Write(ref s_pending, helpers.Length);
            lock (Sleep)
            {
                s_generation++;
                Monitor.PulseAll(Sleep);
            }
            try
            {
                job.RunPart(0);
            }
            finally
            {
                // The helpers read the caller's (pinned) buffers: never return before they finish.
                var spin = new SpinWait();
                while (Volatile.Read(ref s_pending) != 0)
                    spin.SpinOnce();
            }
            s_failure?.Throw();
            return true;
        }
        finally
        {
            Monitor.Exit(Owner);
        }
    }

    private static Thread[] StartHelpers(int count)
    {
        var helpers = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            helpers[i] = new Thread(HelperLoop) { IsBackground = true, Name = $"dtrain-gemm-{i + 1}" };
            helpers[i].Start(i + 1);
        }
        return helpers;
    }

    private static void HelperLoop(object? state)
    {
        int part = (int)state!;
        int seen = 0;
        while (true)
        {
            seen = WaitForJob(seen);
            try
            {
                if (part < s_job.Parts)
                    s_job.RunPart(part);
            }
            catch (Exception e)
            {
                s_failure = ExceptionDispatchInfo.Capture(e);
            }
            Interlocked.Decrement(ref s_pending);
        }
    }

    /// <summary>Waits until the job generation moves past <paramref name="seen"/>; returns the new one.</summary>
    private static int WaitForJob(int seen)
    {
        long start = Stopwatch.GetTimestamp();
        var spin = new SpinWait();
        while (Volatile.Read(ref s_generation) == seen)
        {
            if (Stopwatch.GetTimestamp() - start < SpinTicks)
            {
                // Yields rather than sleeps, so a busy machine's other threads still get the core.
                spin.SpinOnce(sleep1Threshold: -1);
                continue;
            }
            // Checked again under the lock the dispatcher pulses under, so no wake-up is lost.
            lock (Sleep)
            {
                while (Volatile.Read(ref s_generation) == seen)
                    Monitor.Wait(Sleep);
            }
        }
        return Volatile.Read(ref s_generation);
    }
}
