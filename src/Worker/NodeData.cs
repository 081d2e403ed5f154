// The training data of a cluster node's workers: MNIST (loaded once, when a job first asks for it) or a job's own
// files, which this node reads and encodes itself with the schema the coordinator learned (cached on the node).
using Dtrain.Models;
using Dtrain.Models.Data;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Worker;

/// <summary>
/// Finds a job's training examples for the workers of one node; they share it, so a job's files are encoded once
/// per node however many workers it runs. A path this node cannot read fails the job with one line naming the node.
/// </summary>
/// <param name="node">This node's address, named in errors.</param>
/// <param name="mnist">Loads MNIST's training set (called at most once, when a job without its own data arrives).</param>
/// <param name="encode">Reads the job's training files with its schema: <c>(path, format, schema) =&gt; examples</c>.</param>
/// <param name="trainingRows">The training rows' indices among all <paramref name="encode"/>d rows, when a seeded validation split held some out.</param>
public sealed class NodeData(string node, Func<ExampleSource> mnist, Func<string, string?, DataSchema, ExampleSource> encode, Func<JobData, int, int[]>? trainingRows = null)
{
    private readonly Lock _gate = new();
    private ExampleSource? _mnist;
    private (string Key, ExampleSource Examples)? _last;

    /// <summary>The training examples of <paramref name="job"/> (its own files, or MNIST when it names none).</summary>
    public ExampleSource For(JoinJob job)
    {
        lock (_gate)
        {
            if (job.Data is not { } json)
            {
                return _mnist ??= mnist();
            }

            if (_last is { } last && last.Key == json)
            {
                return last.Examples;
            }

            // Only the last job's files stay open: one job runs at a time, and a new one replaces them.
            var data = JobData.FromJson(json, $"job {job.JobId}");
            var examples = Read(data);
            _last = (json, examples);
            return examples;
        }
    }

    private ExampleSource Read(JobData data)
    {
        var path = data.Spec.Train ?? throw new DtrainException($"node {node}: job data names no training files");
        ExampleSource all;
        try
        {
            all = encode(path, data.Spec.Format, data.Schema);
        }
        catch (DtrainException e)
        {
            throw new DtrainException($"node {node} cannot read the job's data: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DtrainException($"node {node} cannot read the job's data: {path}: {e.Message}");
        }

        if (all.FeatureSize != data.Schema.FeatureSize)
        {
            throw new DtrainException($"node {node}: {path} encodes to {all.FeatureSize} features per example, but the job's schema has {data.Schema.FeatureSize}; the nodes see different files at that path");
        }

        if (data.Spec.ValidationSplit <= 0)
        {
            return all;
        }

        var rows = trainingRows?.Invoke(data, all.Count)
            ?? throw new DtrainException($"node {node}: this node cannot tell which rows of {path} the job's validation split holds out");
        return new RowSubset(all, rows);
    }

    /// <summary>The rows <c>rows[i]</c> of <c>all</c>, as examples 0, 1, ...: the training rows once validation rows are held out.</summary>
    private sealed class RowSubset(ExampleSource all, int[] rows) : ExampleSource
    {
        public override string Name => all.Name;

        public override int Count => rows.Length;

        public override int[] FeatureShape => all.FeatureShape;

        public override int TargetSize => all.TargetSize;

        public override LearningTask Task => all.Task;

        public override int Classes => all.Classes;

        public override void Gather(ReadOnlySpan<int> indices, Span<float> features, Span<float> targets)
        {
            CheckBatch(indices, features, targets);
            Span<int> mapped = indices.Length <= 1024 ? stackalloc int[indices.Length] : new int[indices.Length];
            for (var i = 0; i < indices.Length; i++)
            {
                mapped[i] = rows[indices[i]];
            }

            all.Gather(mapped, features, targets);
        }
    }
}
