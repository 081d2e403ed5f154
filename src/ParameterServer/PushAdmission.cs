// Which pushes a shard may apply at all: from a worker the coordinator admitted to the job, numbered close to
// that worker's last applied push, carrying only finite numbers. Plain rules, tested without an actor system.
using System.Numerics;
using System.Runtime.InteropServices;

namespace Dtrain.ParameterServer;

/// <summary>
/// Guards a shard's (worker, seq) de-duplication against pushes that would wreck it: a sequence number far
/// ahead of the last applied would be adopted and turn every real push after it into a "duplicate", so it is
/// refused instead; a worker id the coordinator never admitted is refused; a gradient holding NaN or infinity is
/// refused before it can poison the parameters (and the optimizer state) for good.
/// </summary>
internal sealed class PushAdmission
{
    /// <summary>
    /// How far past the last applied push a worker's next one may be numbered. A worker numbers its pushes one by
    /// one and sends each to every shard, so a gap means lost pushes; more than this many in a row is not a gap.
    /// </summary>
    public const long MaxSeqAhead = 64;

    private readonly HashSet<int> _admitted = [];

    /// <summary>
    /// False until the coordinator first names the job's workers (it does before any of them starts): until then a
    /// shard used on its own, as in a test, takes pushes from any worker id.
    /// </summary>
    public bool Listed { get; private set; }

    /// <summary>Admits <paramref name="workerIds"/> (added to those admitted before).</summary>
    public void Admit(IEnumerable<int> workerIds)
    {
        Listed = true;
        _admitted.UnionWith(workerIds);
    }

    /// <summary>Forgets every admission: a shard initialized or restored serves a new job incarnation.</summary>
    public void Reset()
    {
        Listed = false;
        _admitted.Clear();
    }

    /// <summary>
    /// Why a push from <paramref name="workerId"/> numbered <paramref name="seq"/> must not be applied, or null when
    /// it may be; <paramref name="lastApplied"/> is that worker's last applied seq on this shard, if any.
    /// </summary>
    public string? Refusal(int workerId, long seq, long? lastApplied, ReadOnlySpan<float> gradient)
    {
        if (Listed && !_admitted.Contains(workerId))
        {
            return $"worker {workerId} is not a worker of this job (admitted: {Describe()}); nothing applied";
        }

        if (lastApplied is { } last && seq > last + MaxSeqAhead)
        {
            return $"push seq {seq} from worker {workerId} is {seq - last} ahead of its last applied push {last} (at most {MaxSeqAhead}); refused, not adopted";
        }

        if (FirstNonFinite(gradient) is { } at)
        {
            return $"push seq {seq} from worker {workerId} carries {gradient[at]} at float {at}; nothing applied";
        }

        return null;
    }

    /// <summary>Index of the first NaN or infinity, or null. x - x is 0 for every finite x and NaN otherwise, so one vector pass finds whether to look.</summary>
    internal static int? FirstNonFinite(ReadOnlySpan<float> values)
    {
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        var acc = Vector<float>.Zero;
        foreach (var v in vectors)
        {
            acc += v - v;
        }

        var clean = Vector.EqualsAll(acc, Vector<float>.Zero);
        for (var i = clean ? vectors.Length * Vector<float>.Count : 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return null;
    }

    private string Describe() =>
        _admitted.Count == 0 ? "none" : _admitted.Count <= 16 ? string.Join(", ", _admitted.Order()) : $"{_admitted.Count} workers";
}
