// One epoch's work: a seeded shuffle of the training set cut into partitions, handed out like tasks.
namespace Dtrain.Coordinator;

/// <summary>
/// Tracks which partitions of an epoch are pending, assigned (to which worker) and done. A worker that
/// dies gives its partitions back, so the epoch still covers every partition exactly once.
/// </summary>
public sealed class PartitionSchedule
{
    private readonly Queue<int> _pending = new();
    private readonly Dictionary<int, int> _assigned = [];
    private readonly HashSet<int> _done = [];

    /// <summary>Shuffles <paramref name="examples"/> indices with (seed, epoch) and cuts them into partitions.</summary>
    public PartitionSchedule(int examples, int partitionSize, int seed, int epoch)
    {
        Epoch = epoch;
        var order = Enumerable.Range(0, examples).ToArray();
        // HashCode.Combine is randomized per process; the data order must depend on the seed alone.
        new Random(unchecked((seed * 1_000_003) + epoch)).Shuffle(order);
        Partitions = order.Chunk(partitionSize).ToArray();
        for (var p = 0; p < Partitions.Length; p++)
        {
            _pending.Enqueue(p);
        }
    }

    /// <summary>1-based epoch number.</summary>
    public int Epoch { get; }

    /// <summary>Example indices of each partition.</summary>
    public int[][] Partitions { get; }

    /// <summary>True when every partition is done.</summary>
    public bool Complete => _done.Count == Partitions.Length;

    /// <summary>Partitions done so far.</summary>
    public int DoneCount => _done.Count;

    /// <summary>True when partition <paramref name="partition"/> is done.</summary>
    public bool IsDone(int partition) => _done.Contains(partition);

    /// <summary>Marks partitions a checkpoint already holds as done, so the epoch goes on with the others.</summary>
    public void Skip(IEnumerable<int> done)
    {
        foreach (var p in done)
        {
            if (p >= 0 && p < Partitions.Length)
            {
                _done.Add(p);
            }
        }

        var pending = _pending.Where(p => !_done.Contains(p)).ToList();
        _pending.Clear();
        foreach (var p in pending)
        {
            _pending.Enqueue(p);
        }
    }

    /// <summary>Indices of the partitions done so far, ascending.</summary>
    public int[] DonePartitions() => _done.Order().ToArray();

    /// <summary>The next pending partition for <paramref name="worker"/>, or null when none is pending.</summary>
    public int? Assign(int worker)
    {
        if (!_pending.TryDequeue(out var p))
        {
            return null;
        }

        _assigned[p] = worker;
        return p;
    }

    /// <summary>Marks a partition done; false when it was already done (a late duplicate report).</summary>
    public bool MarkDone(int partition)
    {
        _assigned.Remove(partition);
        return _done.Add(partition);
    }

    /// <summary>Puts every partition assigned to <paramref name="worker"/> back in the queue; returns how many.</summary>
    public int Release(int worker)
    {
        var lost = _assigned.Where(a => a.Value == worker).Select(a => a.Key).ToList();
        foreach (var p in lost)
        {
            _assigned.Remove(p);
            _pending.Enqueue(p);
        }

        return lost.Count;
    }
}
