// The job's workers: who they are (by number, in the order they joined), which are live, which wait for work,
// what each has trained so far, and the next partition each idle worker gets.
using static Dtrain.Protocol.ClusterProtocol;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Coordinator;

/// <summary>
/// Worker membership of one job. A worker's number is its place in the roster and never changes (a stopped worker
/// keeps its number; it is only no longer live). <typeparamref name="TWorker"/> is how the caller names a worker
/// (an actor ref in the coordinator); the roster only compares them.
/// </summary>
public sealed class WorkerRoster<TWorker>
    where TWorker : notnull
{
    private readonly List<TWorker> _workers = [];
    private readonly HashSet<int> _live = [];
    private readonly HashSet<int> _idle = [];
    private readonly Dictionary<int, (string Node, string Device)> _where = [];
    private readonly Dictionary<int, WorkerTally> _tally = [];

    /// <summary>Workers ever in the job, live or not.</summary>
    public int Count => _workers.Count;

    /// <summary>Workers live now.</summary>
    public int LiveCount => _live.Count;

    /// <summary>Worker number <paramref name="w"/>.</summary>
    public TWorker this[int w] => _workers[w];

    /// <summary>Every worker, by number.</summary>
    public IReadOnlyList<TWorker> All => _workers;

    /// <summary>The worker's number; -1 when it is not in the roster.</summary>
    public int IndexOf(TWorker worker) => _workers.IndexOf(worker);

    /// <summary>Adds a worker (not yet live) on <paramref name="node"/>; returns its number, or -1 when it is already in.</summary>
    public int Add(TWorker worker, string? node = null, string? device = null)
    {
        if (_workers.Contains(worker))
        {
            return -1;
        }

        _workers.Add(worker);
        if (node is not null)
        {
            _where[_workers.Count - 1] = (node, device ?? "");
        }

        return _workers.Count - 1;
    }

    /// <summary>The node worker <paramref name="w"/> runs on; "local" when it was not said.</summary>
    public string Node(int w) => _where.TryGetValue(w, out var where) ? where.Node : "local";

    /// <summary>Worker <paramref name="w"/> has joined the job's training.</summary>
    public void Join(int w) => _live.Add(w);

    /// <summary>
    /// Worker <paramref name="w"/> stopped: it is no longer live nor waiting, and the partitions it held go back to
    /// <paramref name="epoch"/>'s queue; returns how many.
    /// </summary>
    public int Stopped(int w, PartitionSchedule? epoch)
    {
        _live.Remove(w);
        _idle.Remove(w);
        return epoch?.Release(w) ?? 0;
    }

    /// <summary>Worker <paramref name="w"/> waits for work without being handed any now (the epoch is being evaluated or has ended).</summary>
    public void Wait(int w) => _idle.Add(w);

    /// <summary>
    /// Worker <paramref name="w"/> asks for work: the next partition of <paramref name="epoch"/> for it, or null (it
    /// then waits, and gets one when <see cref="AssignWaiting"/> finds one).
    /// </summary>
    public int? RequestWork(int w, PartitionSchedule? epoch)
    {
        _idle.Remove(w);
        if (epoch?.Assign(w) is { } p)
        {
            return p;
        }

        _idle.Add(w);
        return null;
    }

    /// <summary>Hands partitions of <paramref name="epoch"/> to the waiting workers: (worker, partition) for each that gets one.</summary>
    public IReadOnlyList<(int Worker, int Partition)> AssignWaiting(PartitionSchedule? epoch)
    {
        var assigned = new List<(int, int)>();
        foreach (var w in _idle.ToList())
        {
            if (RequestWork(w, epoch) is { } p)
            {
                assigned.Add((w, p));
            }
        }

        return assigned;
    }

    /// <summary>Adds a partition report to its worker's totals (for the status command).</summary>
    public void Tally(PartitionDone done)
    {
        var t = _tally.GetValueOrDefault(done.WorkerId);
        _tally[done.WorkerId] = new WorkerTally(t.Partitions + 1, t.Steps + done.Steps, t.Examples + done.Examples, t.ComputeSeconds + done.ComputeSeconds);
    }

    /// <summary>Each worker's status: its node (marked gone when it stopped), partitions, steps, rate and device.</summary>
    public WorkerStatus[] Statuses() => _workers.Select((_, w) =>
    {
        var t = _tally.GetValueOrDefault(w);
        var rate = t.ComputeSeconds > 0 ? t.Examples / t.ComputeSeconds : 0;
        var node = Node(w);
        return new WorkerStatus(w, _live.Contains(w) ? node : node + " (gone)", t.Partitions, t.Steps, rate, _where.TryGetValue(w, out var where) ? where.Device : "");
    }).ToArray();

    private readonly record struct WorkerTally(int Partitions, long Steps, long Examples, double ComputeSeconds);
}
