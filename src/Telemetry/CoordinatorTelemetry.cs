// The coordinator's instruments: epoch, losses, test accuracy, failures and recoveries (per partition, not per step).
using static Dtrain.Protocol.Telemetry.MetricNames;

namespace Dtrain.Protocol.Telemetry;

/// <summary>One call per coordinator event; these run per partition or epoch, so tags are built per call.</summary>
public static class CoordinatorTelemetry
{
    /// <summary>An epoch started.</summary>
    public static void EpochStarted(int epoch) => DtrainTelemetry.Epoch.Record(epoch);

    /// <summary>A partition finished: its worker's mean loss and the epoch's running mean loss.</summary>
    public static void PartitionDone(int workerId, double partitionLoss, double epochLoss)
    {
        DtrainTelemetry.WorkerLoss.Record(partitionLoss, new KeyValuePair<string, object?>(Tags.Worker, workerId));
        DtrainTelemetry.TrainLoss.Record(epochLoss);
    }

    /// <summary>An epoch was evaluated on the test set.</summary>
    public static void Evaluated(double accuracy) => DtrainTelemetry.TestAccuracy.Record(accuracy);

    /// <summary>A failure of <paramref name="kind"/> (worker_failed, worker_stopped, job_failed, ...).</summary>
    public static void Failed(string kind) => DtrainTelemetry.Failures.Add(1, new KeyValuePair<string, object?>(Tags.Kind, kind));

    /// <summary><paramref name="count"/> recoveries of <paramref name="kind"/> (partition_requeued, ...).</summary>
    public static void Recovered(string kind, long count)
    {
        if (count > 0)
        {
            DtrainTelemetry.Recoveries.Add(count, new KeyValuePair<string, object?>(Tags.Kind, kind));
        }
    }
}
