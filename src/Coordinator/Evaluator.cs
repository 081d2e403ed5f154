// Test-set accuracy of the parameters the shards hold, computed by a forward-only replica on the CPU.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;
using Dtrain.Protocol;

namespace Dtrain.Coordinator;

/// <summary>A forward-only model replica that the coordinator loads from shard pulls and scores on the test set.</summary>
public sealed class Evaluator : IDisposable
{
    private const int Batch = 1000;
    private readonly ExampleSource _testSet;
    private readonly CpuBackend _backend;
    private readonly GraphExecutor _executor;
    private readonly float[] _features;
    private readonly float[] _labels;
    private readonly int[] _indices;

    /// <summary>Builds the replica for <paramref name="model"/>.</summary>
    public Evaluator(CompiledModel model, ExampleSource testSet, int threads)
    {
        _testSet = testSet;
        _backend = new CpuBackend(Math.Max(1, threads));
        _executor = new GraphExecutor(model, _backend, Batch, training: false);
        _features = new float[Batch * model.FeatureSize];
        _labels = new float[Batch * model.LabelSize];
        _indices = Enumerable.Range(0, testSet.Count).ToArray();
    }

    /// <summary>Copies one shard's chunks (its pull payload) into the replica.</summary>
    public void Load(FloatBuffer values, IReadOnlyList<ChunkInfo> chunks) =>
        ChunkPlacement.Scatter(values.Span, chunks, CpuBackend.Span(_executor.Parameters));

    /// <summary>Fraction of test examples classified correctly.</summary>
    public double Accuracy()
    {
        var correct = 0;
        for (var start = 0; start < _testSet.Count; start += Batch)
        {
            var n = Math.Min(Batch, _testSet.Count - start);
            _testSet.Gather(_indices.AsSpan(start, n), _features.AsSpan(0, n * _testSet.FeatureSize), _labels.AsSpan(0, n * _testSet.TargetSize));
            _executor.SetBatch(_features, _labels, n);
            _executor.Forward();
            correct += _executor.CountCorrect();
        }

        return (double)correct / _testSet.Count;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _executor.Dispose();
        _backend.Dispose();
    }
}
