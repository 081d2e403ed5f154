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
/// <param name="encode">Reads the job's training files with its schema: <c>(path, format, schema) =&gt; examples</c>
/// (<see cref="DataPreparer.EncodeTraining"/>, which caches them on this node).</param>
public sealed class NodeData(string node, Func<ExampleSource> mnist, Func<string, string?, DataSchema, ExampleSource> encode)
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
        var path = data.Spec.Train ?? "MNIST";
        ExampleSource all;
        try
        {
            all = data.Spec.IsBuiltInMnist ? (_mnist ??= mnist()) : encode(path, data.Spec.Format, data.Schema);
        }
        catch (DtrainException e)
        {
            throw new DtrainException($"node {node} cannot read the job's data: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DtrainException($"node {node} cannot read the job's data: {path}: {e.Message}");
        }

        if (all.FeatureSize != data.Schema.FeatureSize || (data.Rows > 0 && all.Count != data.Rows))
        {
            throw new DtrainException($"node {node}: {path} holds {all.Count:N0} examples of {all.FeatureSize} features here, but the coordinator read {data.Rows:N0} of {data.Schema.FeatureSize}; the nodes must see the same files at that path");
        }

        // The seeded split decides row by row, so this node finds the coordinator's training rows without being told them.
        var split = data.Spec.Validation is null ? data.Spec.ValidationSplit : 0;
        if (split <= 0)
        {
            return all;
        }

        var inTraining = ValidationSplit.TrainingRows(data.Seed, split);
        return new RowSubset(all, Enumerable.Range(0, all.Count).Where(i => inTraining(i)).ToArray());
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
