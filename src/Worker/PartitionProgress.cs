// The partition a worker trains: how far it got, what PartitionDone reports, and what the worker does next (pull,
// wait, compute a step, or report the partition done).
using System.Diagnostics;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Worker;

/// <summary>The worker's next move in the step loop.</summary>
internal enum NextStep
{
    /// <summary>Nothing until an answer arrives (parameters, or an acknowledgement that frees a push slot).</summary>
    Wait,

    /// <summary>Pull parameters from every shard; the step follows their arrival.</summary>
    Pull,

    /// <summary>Compute a step with the parameters held.</summary>
    Compute,

    /// <summary>Every example was trained and every push acknowledged: report the partition done.</summary>
    Finish,
}

/// <summary>One partition in training, from its assignment to its report; a new one starts from zero.</summary>
internal sealed class PartitionProgress(AssignPartition partition)
{
    private int _steps;
    private double _lossSum;
    private long _computeTicks;

    // Largest lag (newest version heard of minus the version of the parameters in use) a step started with.
    private long _maxLag;

    /// <summary>The partition: its epoch, id and examples in order.</summary>
    public AssignPartition Partition { get; } = partition;

    /// <summary>How many of its examples have been trained.</summary>
    public int Position { get; private set; }

    /// <summary>
    /// What the worker does next: wait while a pull is <paramref name="pulling"/> or a shard has the most pushes
    /// unacknowledged, finish once trained and every push is acknowledged, else pull when it <paramref name="mustPull"/>
    /// (n_fetch, or a lag over the staleness bound) or compute.
    /// </summary>
    public NextStep Next(bool pulling, int mostPushesInFlight, bool mustPull)
    {
        if (pulling)
        {
            return NextStep.Wait;
        }

        if (Position >= Partition.Indices.Length)
        {
            return mostPushesInFlight > 0 ? NextStep.Wait : NextStep.Finish;
        }

        if (mostPushesInFlight >= PushPipeline.MaxInFlight)
        {
            return NextStep.Wait;
        }

        return mustPull ? NextStep.Pull : NextStep.Compute;
    }

    /// <summary>The examples in the next step's batch: <paramref name="batch"/>, or fewer at the partition's end.</summary>
    public int NextBatch(int batch) => Math.Min(batch, Partition.Indices.Length - Position);

    /// <summary>True when a batch of <paramref name="count"/> examples ends the partition.</summary>
    public bool Ends(int count) => Position + count >= Partition.Indices.Length;

    /// <summary>A step starts with the parameters of some shard <paramref name="lag"/> versions behind the newest heard of.</summary>
    public void Starting(long lag) => _maxLag = Math.Max(_maxLag, lag);

    /// <summary>A step's loss, summed over its examples.</summary>
    public void AddLoss(double loss) => _lossSum += loss;

    /// <summary>A step of <paramref name="count"/> examples was computed in <paramref name="ticks"/> (Stopwatch ticks).</summary>
    public void Stepped(int count, long ticks)
    {
        Position += count;
        _steps++;
        _computeTicks += ticks;
    }

    /// <summary>The report of the trained partition, from worker <paramref name="workerId"/>.</summary>
    public PartitionDone Report(int workerId) =>
        new(workerId, Partition.Epoch, Partition.PartitionId, Partition.Indices.Length, _steps, _lossSum, (double)_computeTicks / Stopwatch.Frequency, _maxLag);
}
