// The coordinator's side of the training modes: the round size shards wait for in sync mode, and telling the
// shards when a worker is gone so no round waits for it.
using Akka.Actor;
using Akka.Event;
using Dtrain.Protocol;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.Coordinator;

internal sealed partial class CoordinatorActor
{
    /// <summary>sync: pushes a round averages, the workers minus the backups; 0 (every push applied) otherwise.</summary>
    private int SyncQuorum()
    {
        var s = _job.Settings;
        if (s.Mode != Models.Graph.TrainingMode.Sync)
        {
            return 0;
        }

        var quorum = _workers.Count - s.BackupWorkers;
        if (quorum < 1)
        {
            _log.Warning("sync: {0} worker(s) with {1} backup(s) leave no quorum; each round takes the first push", _workers.Count, s.BackupWorkers);
        }

        return Math.Max(1, quorum);
    }

    private void LeaveRounds(int worker)
    {
        if (_job.Settings.Mode != Models.Graph.TrainingMode.Sync || worker < 0)
        {
            return;
        }

        foreach (var shard in _shards)
        {
            shard.Tell(new SyncMembership(worker, false));
        }
    }
}
