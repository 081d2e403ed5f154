// A two-layer model, its data and a replica of it on the CPU backend, for the worker's core tests (no actor system).
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;
using Dtrain.Protocol;
using Dtrain.Protocol.Telemetry;

namespace Dtrain.Worker.Tests;

/// <summary>4 features -> dense 8 -> relu -> dense 3 -> softmax cross-entropy (67 floats), split over two shards by layer.</summary>
internal sealed class TinyReplica : IDisposable
{
    public const int Batch = 8;

    /// <summary>Shard 0 holds fc1 (weight 4x8 and bias: floats 0-39), shard 1 the output layer (weight 8x3 and bias: 40-66).</summary>
    public static readonly ChunkInfo[][] Routes =
    [
        [new(0, 0, 0, 32), new(1, 0, 32, 8)],
        [new(2, 0, 40, 24), new(3, 0, 64, 3)],
    ];

    /// <summary>The model of <see cref="TinyJob"/>, which these tests share with the actor tests.</summary>
    public static CompiledModel Model => TinyJob.Model;

    public TinyReplica(int workerId = 0)
    {
        Backend = new CpuBackend(1);
        Data = TinyJob.Data(32, 5);
        Replica = new Replica(Backend, Model, Data, Batch, workerId);
    }

    public CpuBackend Backend { get; }

    public Dataset Data { get; }

    public Replica Replica { get; }

    /// <summary>A pipeline over <see cref="Routes"/> whose ready callback is <paramref name="ready"/>.</summary>
    public PushPipeline Pipeline(int pushEvery = 1, bool overlap = true, long lastSeq = 0, Action<int>? ready = null) =>
        new(Backend, Model, Routes, pushEvery, overlap, lastSeq, new WorkerTelemetry(0), ready ?? (_ => { }));

    /// <summary>Scatters <paramref name="parameters"/> (all 67 floats) route by route, as pulled.</summary>
    public void ScatterAll(float[] parameters)
    {
        Replica.Scatter(parameters.AsSpan(0, 40), Routes[0]);
        Replica.Scatter(parameters.AsSpan(40, 27), Routes[1]);
    }

    public void Dispose()
    {
        Replica.Dispose();
        Backend.Dispose();
    }
}
