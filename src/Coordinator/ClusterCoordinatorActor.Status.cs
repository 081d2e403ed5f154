// The status query: gathers members from cluster state, counters from every shard and per-worker progress
// from the job actor, and answers once all replied or a short deadline passed.
using Akka.Actor;
using static Dtrain.Protocol.ClusterProtocol;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.Coordinator;

internal sealed partial class ClusterCoordinatorActor
{
    private sealed class StatusQuery : ReceiveActor
    {
        private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);
        private readonly GetClusterStatus _query;
        private readonly IActorRef _replyTo;
        private readonly List<ClusterCoordinator.ClusterShard> _shards;
        private readonly List<ClusterCoordinator.AddWorker> _workers;
        private readonly IActorRef? _job;
        private readonly JobStatus? _status;
        private readonly Dictionary<IActorRef, ShardStats> _stats = [];
        private ClusterCoordinator.JobSnapshot? _snapshot;

        public StatusQuery(GetClusterStatus query, IActorRef replyTo, List<ClusterCoordinator.ClusterShard> shards, List<ClusterCoordinator.AddWorker> workers, IActorRef? job, JobStatus? status, ClusterCoordinator.JobSnapshot? lastSnapshot)
        {
            (_query, _replyTo, _shards, _workers, _job, _status, _snapshot) = (query, replyTo, [.. shards], [.. workers], job, status, lastSnapshot);
            Receive<ShardStats>(s =>
            {
                _stats[Sender] = s;
                AnswerWhenComplete();
            });
            Receive<ClusterCoordinator.JobSnapshot>(s =>
            {
                _snapshot = s;
                AnswerWhenComplete();
            });
            Receive<ReceiveTimeout>(_ => Answer());
        }

        public static Props Props(GetClusterStatus query, IActorRef replyTo, List<ClusterCoordinator.ClusterShard> shards, List<ClusterCoordinator.AddWorker> workers, IActorRef? job, JobStatus? status, ClusterCoordinator.JobSnapshot? lastSnapshot) =>
            Akka.Actor.Props.Create(() => new StatusQuery(query, replyTo, shards, workers, job, status, lastSnapshot));

        protected override void PreStart()
        {
            foreach (var s in _shards)
            {
                s.Shard.Tell(new GetStats(_query.RequestId));
            }

            if (_job is not null)
            {
                _snapshot = null; // a fresh one from the running job
                _job.Tell(ClusterCoordinator.GetJobSnapshot.Instance);
            }
            Context.SetReceiveTimeout(Deadline);
            AnswerWhenComplete();
        }

        private void AnswerWhenComplete()
        {
            if (_stats.Count == _shards.Count && (_job is null || _snapshot is not null))
            {
                Answer();
            }
        }

        private void Answer()
        {
            var members = Akka.Cluster.Cluster.Get(Context.System).State.Members
                .Select(m => new MemberStatus(m.Address.ToString(), [.. m.Roles.Order(StringComparer.Ordinal)], m.Status.ToString()))
                .ToArray();
            var shards = _shards.Select(s =>
            {
                var stats = _stats.GetValueOrDefault(s.Shard);
                var floats = stats is not null && _snapshot is { } snap && stats.ShardId >= 0 && stats.ShardId < snap.ShardFloats.Length ? snap.ShardFloats[stats.ShardId] : 0;
                return new ShardStatus(stats?.ShardId ?? -1, s.Node, floats, stats?.Version ?? -1, stats?.PushesApplied ?? 0, stats?.MeanStaleness ?? 0, stats?.MaxStaleness ?? 0);
            }).ToArray();
            var workers = _snapshot?.Workers
                ?? _workers.Select((w, i) => new WorkerStatus(i, w.Node, 0, 0, 0, w.Device)).ToArray();
            _replyTo.Tell(new ClusterStatus(_query.RequestId, members, shards, workers, _status));
            Context.Stop(Self);
        }
    }
}
