// A cluster node's view of a job's data: encoded once for all its workers, the coordinator's training rows taken by
// the seeded split, and one line naming the node when its files differ or cannot be read.
using Akka.Actor;
using Dtrain.Models;
using Dtrain.Models.Data;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Worker.Tests;

public sealed class NodeDataTests
{
    private const string Node = "akka.tcp://dtrain@10.0.0.7:4053";

    private static readonly DataSchema Schema = new()
    {
        Format = "csv",
        Task = LearningTask.Classification,
        FeatureShape = [4],
        TargetWidth = 1,
        ClassNames = ["a", "b", "c"],
    };

    [Fact]
    public void Job_data_round_trips_its_spec_schema_seed_and_row_count_through_json()
    {
        var data = new JobData(new DataSpec { Train = "/datasets/iris.csv", Label = "species", ValidationSplit = 0.2, Exclude = ["id"] }, Schema, 42, 150);

        var read = JobData.FromJson(data.ToJson(), "test");

        Assert.Equal(data.Spec.Train, read.Spec.Train);
        Assert.Equal(data.Spec.Label, read.Spec.Label);
        Assert.Equal(0.2, read.Spec.ValidationSplit);
        Assert.Equal(["id"], read.Spec.Exclude);
        Assert.Equal(Schema.ToJson(), read.Schema.ToJson());
        Assert.Equal((42, 150L), (read.Seed, read.Rows));
    }

    [Fact]
    public void A_node_encodes_a_jobs_files_once_for_all_its_workers()
    {
        // Arrange
        var encodings = 0;
        var nodeData = new NodeData(Node, NoMnist, (_, _, _) => { encodings++; return Rows(100); });
        var join = Join(new JobData(new DataSpec { Train = "/datasets/t.csv" }, Schema, 7, 100));

        // Act
        var first = nodeData.For(join);
        var second = nodeData.For(join with { WorkerId = 1 });

        // Assert
        Assert.Equal(1, encodings);
        Assert.Same(first, second);
        Assert.Equal(100, first.Count);
    }

    [Fact]
    public void A_node_trains_on_the_rows_the_seeded_validation_split_kept_for_training()
    {
        // Arrange: rows whose only feature is their own index.
        var nodeData = new NodeData(Node, NoMnist, (_, _, _) => Rows(200));
        var join = Join(new JobData(new DataSpec { Train = "/datasets/t.csv", ValidationSplit = 0.25 }, Schema, 7, 200));
        var inTraining = ValidationSplit.TrainingRows(7, 0.25);
        var expected = Enumerable.Range(0, 200).Where(i => inTraining(i)).ToArray();

        // Act
        var examples = nodeData.For(join);
        var features = new float[examples.Count * 4];
        examples.Gather(Enumerable.Range(0, examples.Count).ToArray(), features, new float[examples.Count]);

        // Assert: example i is the i-th training row, as in the coordinator's index.
        Assert.Equal(expected.Length, examples.Count);
        Assert.InRange(examples.Count, 120, 180);
        Assert.Equal(expected.Select(r => (float)r), Enumerable.Range(0, examples.Count).Select(i => features[i * 4]));
    }

    [Fact]
    public void A_node_that_finds_another_row_count_fails_in_one_line_naming_itself_and_the_path()
    {
        var nodeData = new NodeData(Node, NoMnist, (_, _, _) => Rows(90));
        var join = Join(new JobData(new DataSpec { Train = "/datasets/t.csv" }, Schema, 7, 100));

        var e = Assert.Throws<DtrainException>(() => nodeData.For(join));

        Assert.Equal($"node {Node}: /datasets/t.csv holds 90 examples of 4 features here, but the coordinator read 100 of 4; the nodes must see the same files at that path", e.Message);
    }

    [Fact]
    public void A_node_that_cannot_read_the_file_fails_in_one_line_naming_itself_and_the_path()
    {
        var nodeData = new NodeData(Node, NoMnist, (path, _, _) => throw new DtrainException($"{path}: no such file or folder"));
        var join = Join(new JobData(new DataSpec { Train = "/datasets/t.csv" }, Schema, 7, 100));

        var e = Assert.Throws<DtrainException>(() => nodeData.For(join));

        Assert.Equal($"node {Node} cannot read the job's data: /datasets/t.csv: no such file or folder", e.Message);
    }

    [Fact]
    public void A_job_without_data_of_its_own_trains_on_mnist_loaded_once()
    {
        var loads = 0;
        var mnist = Rows(10);
        var nodeData = new NodeData(Node, () => { loads++; return mnist; }, (_, _, _) => throw new InvalidOperationException("no files"));

        Assert.Same(mnist, nodeData.For(Join(null)));
        Assert.Same(mnist, nodeData.For(Join(null)));
        Assert.Equal(1, loads);
    }

    private static ExampleSource NoMnist() => throw new InvalidOperationException("the test's jobs have data of their own");

    /// <summary>Rows whose features are (i, 0, 0, 0) and whose class is i mod 3.</summary>
    private static Dataset Rows(int count)
    {
        var features = new float[count * 4];
        for (var i = 0; i < count; i++)
        {
            features[i * 4] = i;
        }

        return new Dataset("t.csv", [4], 3, features, Enumerable.Range(0, count).Select(i => i % 3).ToArray());
    }

    private static JoinJob Join(JobData? data) =>
        new("job-1", 0, "m.json", "{}", 8, 1, 1, [], ActorRefs.Nobody, Data: data?.ToJson());
}
