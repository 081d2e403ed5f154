// Scores the parameters the shards hold on the validation and test sets, with the metrics that fit the task,
// using a forward-only replica on the CPU.
using Dtrain.Models;
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;
using Dtrain.Models.Metrics;
using Dtrain.Protocol;

namespace Dtrain.Coordinator;

/// <summary>A forward-only model replica that the coordinator loads from shard pulls and scores on a data set.</summary>
public sealed class Evaluator : IDisposable
{
    private const int Batch = 1000;
    private readonly CompiledModel _model;
    private readonly ExampleSource? _testSet;
    private readonly DataSchema? _schema;
    private readonly int _topK;
    private readonly ExampleSource? _stored;
    private readonly int _seed;
    private readonly CpuBackend _backend;
    private readonly GraphExecutor _executor;
    private readonly float[] _features;
    private readonly float[] _targets;
    private readonly float[] _outputs;
    private int[] _indices = [];

    /// <summary>
    /// Builds the replica for <paramref name="model"/>. <paramref name="schema"/> (when the data has one) gives the
    /// regression targets' normalisation, undone in the figures; <paramref name="topK"/> is the k of top-k accuracy.
    /// <paramref name="stored"/> (the training rows, when this process holds them) are the patterns a Hopfield
    /// network's recall is scored on, with <paramref name="seed"/> choosing the flipped bits.
    /// </summary>
    public Evaluator(CompiledModel model, ExampleSource? testSet, int threads, DataSchema? schema = null, int topK = 5, ExampleSource? stored = null, int seed = 0)
    {
        _model = model;
        _testSet = testSet;
        _schema = schema;
        _topK = topK;
        _stored = stored;
        _seed = seed;
        _backend = new CpuBackend(Math.Max(1, threads));
        _executor = new GraphExecutor(model, _backend, Batch, training: false);
        _features = new float[Batch * model.FeatureSize];
        _targets = new float[Batch * model.LabelSize];
        _outputs = new float[Batch * OutputWidth];
    }

    private int OutputWidth => _model.Values[_model.OutputValue].Type.Size;

    /// <summary>Copies one shard's chunks (its pull payload) into the replica.</summary>
    public void Load(FloatBuffer values, IReadOnlyList<ChunkInfo> chunks) =>
        ChunkPlacement.Scatter(values.Span, chunks, CpuBackend.Span(_executor.Parameters));

    /// <summary>Copies a whole flat parameter vector (a trained model's) into the replica.</summary>
    public void Load(ReadOnlySpan<float> parameters) => parameters.CopyTo(CpuBackend.Span(_executor.Parameters));

    /// <summary>Fraction of test examples classified correctly (0 without a test set).</summary>
    public double Accuracy() => _testSet is null ? 0 : Score(_testSet).Accuracy ?? 0;

    /// <summary>
    /// The test set's figures; null without a test set. A model with a <c>hopfield</c> node adds the recall accuracy of
    /// the patterns it stored (the training rows, when the evaluator was given them).
    /// </summary>
    public TaskMetrics? Test()
    {
        if (_testSet is null)
        {
            return null;
        }

        var test = Score(_testSet);
        return _stored is null ? test : test with { RecallAccuracy = HopfieldRecall.Score(_executor, _stored, _seed) };
    }

    /// <summary>Scores the parameters loaded on every example of <paramref name="set"/>, with the figures of its task.</summary>
    public TaskMetrics Score(ExampleSource set) => Score(set, MetricAccumulator.For(set.Task, OutputWidth, set.TargetSize, _schema, _topK, $"{_model.Spec.Name} on {set.Name}"));

    /// <summary>Scores the parameters loaded on <paramref name="set"/> into <paramref name="metrics"/> (which keeps per-class detail).</summary>
    public TaskMetrics Score(ExampleSource set, MetricAccumulator metrics)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(metrics);
        if (set.FeatureSize != _model.FeatureSize || set.TargetSize != _model.LabelSize)
        {
            throw new DtrainException($"{_model.Spec.Name}: takes {_model.FeatureSize} feature and {_model.LabelSize} target value(s) per example, but {set.Name} has {set.FeatureSize} and {set.TargetSize}");
        }

        if (_indices.Length < set.Count)
        {
            _indices = Enumerable.Range(0, set.Count).ToArray();
        }

        var (featureSize, targetSize, outputWidth) = (set.FeatureSize, set.TargetSize, OutputWidth);
        for (var start = 0; start < set.Count; start += Batch)
        {
            var n = Math.Min(Batch, set.Count - start);
            set.Gather(_indices.AsSpan(start, n), _features.AsSpan(0, n * featureSize), _targets.AsSpan(0, n * targetSize));
            _executor.SetBatch(_features, _targets, n);
            _executor.Forward();
            _executor.ReadOutput(_outputs);
            metrics.Add(_outputs.AsSpan(0, n * outputWidth), _targets.AsSpan(0, n * targetSize), n, _executor.ReadLoss());
        }

        return metrics.Result();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _executor.Dispose();
        _backend.Dispose();
    }
}
