// Cluster mode: routes that name a bulk data channel get a local proxy per shard, so pulls, parameters and
// pushes (whole shards) travel over the channel instead of through Akka.Remote's small frames.
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Dtrain.Models.Backends;
using Dtrain.Models.Data;
using Dtrain.Protocol.Transport;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Worker;

internal sealed partial class WorkerActor
{
    private readonly List<IActorRef> _bulkProxies = [];
    private readonly X509Certificate2? _bulkCertificate;

    /// <summary>A worker whose bulk connections use TLS with <paramref name="bulkCertificate"/>.</summary>
    public WorkerActor(Dataset trainingSet, Func<IBackend> backendFactory, X509Certificate2? bulkCertificate)
        : this(trainingSet, backendFactory) => _bulkCertificate = bulkCertificate;

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

            var proxy = BulkClient.Connect(Context, endpoint, target, null, _bulkCertificate);
            _bulkProxies.Add(proxy);
            return r with { Shard = proxy };
        }).ToArray();
        return job with { Shards = routes };
    }
}
