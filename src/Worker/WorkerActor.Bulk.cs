// Cluster mode: routes that name a bulk data channel get a local proxy per shard, so pulls, parameters and
// pushes (whole shards) travel over the channel instead of through Akka.Remote's small frames.
using Akka.Actor;
using Dtrain.Models.Backends;
using Dtrain.Models.Data;
using Dtrain.Protocol.Transport;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Worker;

internal sealed partial class WorkerActor
{
    private readonly List<IActorRef> _bulkProxies = [];
    private readonly BulkCredentials? _bulkCredentials;

    /// <summary>A worker whose bulk connections prove <paramref name="bulkCredentials"/>.</summary>
    public WorkerActor(Func<JoinJob, ExampleSource> data, Func<IBackend> backendFactory, BulkCredentials bulkCredentials)
        : this(data, backendFactory) => _bulkCredentials = bulkCredentials;

    /// <summary>True when <paramref name="sender"/> is a route of the current job (or the shard itself, without a bulk channel).</summary>
    private bool IsCurrentRoute(IActorRef sender) =>
        _bulkProxies.Count == 0 || _bulkProxies.Contains(sender) || _job?.Shards.Any(r => r.Shard.Equals(sender)) == true;

    /// <summary>The job with each bulk route's shard ref replaced by a proxy over the channel (proxies of a previous job stop).</summary>
    private JoinJob ConnectBulkRoutes(JoinJob job)
    {
        foreach (var old in _bulkProxies)
        {
            Context.Stop(old);
        }

        _bulkProxies.Clear();
        var routes = job.Shards.Select(r =>
        {
            if (r.BulkEndpoint is not { } endpoint || r.BulkTarget is not { } target)
            {
                return r;
            }

            // A worker made without credentials (single process) is never handed a bulk route: fail loudly if it is.
            var credentials = _bulkCredentials ?? throw new InvalidOperationException($"route to shard {r.ShardId} names bulk channel {endpoint}, but this worker holds no cluster credentials");
            var proxy = BulkClient.Connect(Context, endpoint, target, credentials);
            _bulkProxies.Add(proxy);
            return r with { Shard = proxy };
        }).ToArray();
        return job with { Shards = routes };
    }
}
