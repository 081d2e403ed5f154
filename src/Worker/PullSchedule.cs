// When a worker pulls parameters (first step of a job, then every n_fetch steps) and which answers belong to the pull
// in progress.
namespace Dtrain.Worker;

/// <summary>
/// A job's pulls: one request to every shard at a time, identified by a request id that goes on from the previous
/// job's (answers to an older request carry out-of-date values). n_fetch counts steps over the worker's whole life,
/// across partitions and jobs, so a worker pulls every n_fetch-th step it takes.
/// </summary>
internal sealed class PullSchedule
{
    private readonly int _shards;
    private readonly int _fetchEvery;
    private long _requestId;
    private long _steps;
    private int _pending;
    private bool _fetchedOnce;

    /// <summary>Pulls from <paramref name="shards"/> shards every <paramref name="fetchEvery"/> steps, carrying on from <paramref name="previous"/> (the schedule of the job before).</summary>
    public PullSchedule(int shards, int fetchEvery, PullSchedule? previous)
    {
        (_shards, _fetchEvery) = (shards, fetchEvery);
        (_requestId, _steps) = previous is null ? (0, 0) : (previous._requestId, previous._steps);
    }

    /// <summary>A pull waits for answers.</summary>
    public bool Pending => _pending > 0;

    /// <summary>The next step must pull first: the job's first, and every n_fetch-th.</summary>
    public bool Due => !_fetchedOnce || _steps % _fetchEvery == 0;

    /// <summary>A pull to every shard starts; returns the request id each Pull carries.</summary>
    public long Start()
    {
        _pending = _shards;
        return ++_requestId;
    }

    /// <summary>True when <paramref name="requestId"/> names the latest pull.</summary>
    public bool IsCurrent(long requestId) => requestId == _requestId;

    /// <summary>One shard answered the latest pull; true when it was the last to.</summary>
    public bool Answered()
    {
        if (--_pending > 0)
        {
            return false;
        }

        _fetchedOnce = true;
        return true;
    }

    /// <summary>A step was computed.</summary>
    public void Stepped() => _steps++;
}
