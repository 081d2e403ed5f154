// dtrain status: asks a running cluster for its members, shards, workers and job, and prints them as tables.
using System.Globalization;
using Dtrain.Cli.Cluster;
using Dtrain.Models;
using static Dtrain.Protocol.ClusterProtocol;

namespace Dtrain.Cli;

/// <summary>The <c>status</c> subcommand.</summary>
public static class StatusCommand
{
    /// <summary>Runs the command.</summary>
    public static async Task<int> Run(CommandLine cl)
    {
        var cluster = cl.String("--cluster") ?? Environment.GetEnvironmentVariable("DTRAIN_CLUSTER") ?? throw new UsageException("status needs --cluster HOST:PORT (or $DTRAIN_CLUSTER)");
        var timeout = TimeSpan.FromSeconds(cl.Int("--timeout") ?? 15);
        var options = NodeOptions.Read(cl) with { Port = 0 };
        cl.RejectUnknown();

        await using var client = ClusterClient.Open(options, cluster);
        var status = await client.Request(await client.Connect(timeout), new GetClusterStatus(1), timeout, "the cluster's status") as ClusterStatus
            ?? throw new DtrainException($"unexpected answer to a status request from {cluster}");
        Print(status, Console.Out);
        return 0;
    }

    /// <summary>Writes the four tables.</summary>
    public static void Print(ClusterStatus s, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        var members = new Table("member", "roles", "status");
        foreach (var m in s.Members)
        {
            members.Add(m.Address, string.Join(",", m.Roles), m.Status);
        }

        var shards = new Table("shard", "node", "floats", "version", "pushes", "staleness mean", "staleness max");
        foreach (var x in s.Shards)
        {
            shards.Add(x.ShardId < 0 ? "-" : x.ShardId.ToString(c), x.Node, x.Floats.ToString("N0", c), x.Version.ToString("N0", c), x.Pushes.ToString("N0", c), x.MeanStaleness.ToString("F2", c), x.MaxStaleness.ToString(c));
        }

        var workers = new Table("worker", "node", "device", "partitions done", "steps", "examples/s");
        foreach (var w in s.Workers)
        {
            workers.Add(w.WorkerId.ToString(c), w.Node, w.Device.Length > 0 ? w.Device : "-", w.PartitionsDone.ToString(c), w.Steps.ToString("N0", c), w.ExamplesPerSecond.ToString("N0", c));
        }

        members.Print(output);
        output.WriteLine();
        shards.Print(output);
        output.WriteLine();
        workers.Print(output);
        output.WriteLine();
        var job = new Table("job", "state", "epoch", "progress");
        if (s.Job is { } j)
        {
            job.Add(j.JobId, j.State, $"{j.Epoch}/{j.Epochs}", $"{j.PartitionsDone}/{j.Partitions} partitions");
        }

        job.Print(output);
    }
}
