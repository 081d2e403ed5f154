// Checks the data preparer over a test-only format: the seeded validation split, the schema learned from training
// rows only, the cache reused on a second run, re-encoded when a file changes and rebuilt when damaged.
using Dtrain.Models.Data;

namespace Dtrain.Models.Tests.Data;

public sealed class DataPreparerTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("dtrain-prepare-test-");
    private readonly LinesFormat _format = new();
    private readonly StringWriter _log = new();

    public void Dispose() => _folder.Delete(recursive: true);

    private string Cache => Path.Combine(_folder.FullName, "cache");

    private string File(string name, int rows)
    {
        var path = Path.Combine(_folder.FullName, name);
        LinesFormat.Write(path, rows);
        return path;
    }

    private PreparedData Prepare(DataSpec spec, int seed = 7) =>
        DataPreparer.Prepare(spec, seed, null, _log, (_, _) => _format, Cache);

    /// <summary>The row numbers a source holds: row r was written with first feature r, centred by the schema's shift.</summary>
    private static int[] Rows(ExampleSource source, DataSchema schema)
    {
        var indices = Enumerable.Range(0, source.Count).ToArray();
        var features = new float[source.Count * source.FeatureSize];
        source.Gather(indices, features, new float[source.Count * source.TargetSize]);
        return indices.Select(i => (int)MathF.Round(features[i * source.FeatureSize] + schema.FeatureShift![0])).ToArray();
    }

    [Fact]
    public void Validation_split_is_seeded_disjoint_and_the_stated_size()
    {
        // Arrange
        var train = File("t.lines", 2000);

        // Act
        using var a = Prepare(new DataSpec { Train = train, ValidationSplit = 0.2 }, seed: 7);
        using var again = Prepare(new DataSpec { Train = train, ValidationSplit = 0.2 }, seed: 7);
        using var other = Prepare(new DataSpec { Train = train, ValidationSplit = 0.2 }, seed: 8);

        // Assert: every row in exactly one split; about 20% held out (4 standard deviations is 72 rows); a seed repeats.
        var trainRows = Rows(a.Train, a.Schema);
        var validationRows = Rows(a.Validation!, a.Schema);
        Assert.Empty(trainRows.Intersect(validationRows));
        Assert.Equal(Enumerable.Range(0, 2000), trainRows.Concat(validationRows).Order());
        Assert.InRange(validationRows.Length, 400 - 72, 400 + 72);
        Assert.Equal(validationRows, Rows(again.Validation!, again.Schema));
        Assert.NotEqual(validationRows, Rows(other.Validation!, other.Schema));
        Assert.Equal(validationRows, Enumerable.Range(0, 2000).Where(r => ValidationSplit.IsValidation(r, 7, 0.2)));
    }

    [Fact]
    public void Schema_is_learned_from_the_training_rows_only()
    {
        // Arrange
        var train = File("t.lines", 1000);

        // Act
        using var data = Prepare(new DataSpec { Train = train, ValidationSplit = 0.3 });

        // Assert: the shift is the mean of the rows kept for training, not of all rows.
        var kept = Enumerable.Range(0, 1000).Where(r => !ValidationSplit.IsValidation(r, 7, 0.3)).ToList();
        Assert.Equal((float)kept.Average(), data.Schema.FeatureShift![0], 3);
        Assert.NotEqual(499.5f, data.Schema.FeatureShift![0], 1);
    }

    [Fact]
    public void Test_and_validation_files_are_encoded_with_the_training_schema()
    {
        // Arrange
        var train = File("train.lines", 100);
        var validation = File("validation.lines", 10);
        var test = File("test.lines", 20);

        // Act
        using var data = Prepare(new DataSpec { Train = train, Validation = validation, Test = test });

        // Assert: no split of the training file; the other files are centred on the training mean (49.5).
        Assert.Equal((100, 10, 20), (data.Train.Count, data.Validation!.Count, data.Test!.Count));
        var features = new float[3];
        data.Test.Gather([0], features, new float[1]);
        Assert.Equal(-49.5f, features[0]);
    }

    [Fact]
    public void Second_run_reuses_the_cache_and_says_so()
    {
        // Arrange
        var train = File("t.lines", 50);
        var spec = new DataSpec { Train = train, ValidationSplit = 0.1 };
        Prepare(spec).Dispose();
        _log.GetStringBuilder().Clear();

        // Act
        using var data = Prepare(spec);

        // Assert
        Assert.Equal((1, 1), (_format.Learned, _format.Encoded));
        Assert.Contains("data: t.lines: reusing the encoded cache in", _log.ToString(), StringComparison.Ordinal);
        Assert.Equal(50, data.Train.Count + data.Validation!.Count);
    }

    [Fact]
    public void Changed_data_file_is_encoded_again()
    {
        // Arrange
        var train = File("t.lines", 50);
        Prepare(new DataSpec { Train = train }).Dispose();

        // Act: a file of another size is another key.
        File("t.lines", 60);
        using var data = Prepare(new DataSpec { Train = train });

        // Assert
        Assert.Equal((2, 2, 60), (_format.Learned, _format.Encoded, data.Train.Count));
    }

    [Fact]
    public void Changed_settings_are_encoded_again()
    {
        // Arrange
        var train = File("t.lines", 50);
        Prepare(new DataSpec { Train = train }).Dispose();

        // Act
        using var data = Prepare(new DataSpec { Train = train, Task = LearningTask.Reconstruction });

        // Assert
        Assert.Equal((2, 2), (_format.Learned, _format.Encoded));
        Assert.Equal((LearningTask.Reconstruction, 3), (data.Train.Task, data.Train.TargetSize));
    }

    [Fact]
    public void Damaged_cache_is_rebuilt_not_trusted()
    {
        // Arrange: a first run, then one byte of its training cache's header flipped.
        var train = File("t.lines", 40);
        Prepare(new DataSpec { Train = train }).Dispose();
        var cache = Directory.GetFiles(Cache, "*.train.bin").Single();
        var bytes = System.IO.File.ReadAllBytes(cache);
        bytes[13] ^= 0x40;
        System.IO.File.WriteAllBytes(cache, bytes);

        // Act
        using var data = Prepare(new DataSpec { Train = train });

        // Assert
        Assert.Equal(2, _format.Encoded);
        Assert.Contains($"data: the encoded cache {cache} is damaged (its header CRC does not match); rebuilding it", _log.ToString(), StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, 40), Rows(data.Train, data.Schema));
    }

    [Fact]
    public void Truncated_cache_is_rebuilt_not_trusted()
    {
        // Arrange
        var train = File("t.lines", 40);
        Prepare(new DataSpec { Train = train }).Dispose();
        var cache = Directory.GetFiles(Cache, "*.train.bin").Single();
        using (var stream = new FileStream(cache, FileMode.Open))
        {
            stream.SetLength(stream.Length - 8);
        }

        // Act
        using var data = Prepare(new DataSpec { Train = train });

        // Assert
        Assert.Equal(2, _format.Encoded);
        Assert.Contains("truncated or extended); rebuilding it", _log.ToString(), StringComparison.Ordinal);
        Assert.Equal(40, data.Train.Count);
    }

    [Fact]
    public void Encode_with_a_given_schema_reads_a_file_as_training_saw_it()
    {
        // Arrange
        var train = File("t.lines", 11);
        var schema = Prepare(new DataSpec { Train = train }).Schema;
        var other = File("o.lines", 3);

        // Act
        using var source = (CacheFileSource)DataPreparer.Encode(other, null, schema, _log, (_, _) => _format, Cache);

        // Assert: the training mean (5) is subtracted.
        var features = new float[9];
        var labels = new float[3];
        source.Gather([0, 1, 2], features, labels);
        Assert.Equal([-5f, -10f, -15f, -4f, -8f, -12f, -3f, -6f, -9f], features);
        Assert.Equal([0f, 1f, 2f], labels);
    }

    [Fact]
    public void Damaged_schema_is_learned_again()
    {
        // Arrange
        var train = File("t.lines", 30);
        Prepare(new DataSpec { Train = train }).Dispose();
        System.IO.File.WriteAllText(Directory.GetFiles(Cache, "*.schema.json").Single(), "{ not json");

        // Act
        using var data = Prepare(new DataSpec { Train = train });

        // Assert: learned again; the same schema finds the same encoded cache.
        Assert.Equal((2, 1), (_format.Learned, _format.Encoded));
        Assert.Equal(14.5f, data.Schema.FeatureShift![0]);
    }

    [Fact]
    public void In_memory_split_of_the_builtin_set_uses_the_same_seeded_rule()
    {
        // Arrange: 500 examples whose first feature is their index.
        var features = new float[500 * 2];
        for (var i = 0; i < 500; i++)
        {
            features[i * 2] = i;
        }

        var set = new Dataset("mnist-train", [2], classes: 10, features, Enumerable.Range(0, 500).Select(i => i % 10).ToArray());

        // Act
        var (train, validation) = DataPreparer.SplitInMemory(set, seed: 42, fraction: 0.1);

        // Assert
        var held = Enumerable.Range(0, 500).Where(i => ValidationSplit.IsValidation(i, 42, 0.1)).ToArray();
        Assert.Equal(held, Enumerable.Range(0, validation.Count).Select(i => (int)validation.Features[i * 2]));
        Assert.Equal(500 - held.Length, train.Count);
        Assert.Equal(held.Select(i => i % 10), validation.Labels);
    }

    [Fact]
    public void Split_that_leaves_no_training_rows_is_one_line()
    {
        // Arrange: one row, almost surely held out at 0.99.
        var train = File("t.lines", 1);
        var seed = Enumerable.Range(0, 1000).First(s => ValidationSplit.IsValidation(0, s, 0.99));

        // Act
        var error = Assert.Throws<DtrainException>(() => Prepare(new DataSpec { Train = train, ValidationSplit = 0.99 }, seed));

        // Assert
        Assert.Equal($"{train}: no training examples are left after the validation split of 0.99", error.Message);
    }
    [Fact]
    public void Limit_keeps_the_first_training_rows_and_leaves_the_test_data_whole()
    {
        // Arrange
        var train = File("t.lines", 50);
        var test = File("test.lines", 20);

        // Act
        using var data = Prepare(new DataSpec { Train = train, Test = test, Limit = 7 });

        // Assert
        Assert.Equal(Enumerable.Range(0, 7), Rows(data.Train, data.Schema));
        Assert.Equal(20, data.Test!.Count);
        Assert.Equal(50, DataPreparer.AllRows(data.Train).Count);
    }

    [Fact]
    public void Unsupervised_task_reads_the_data_as_its_own_task_and_views_every_split_as_unsupervised()
    {
        // Arrange
        var train = File("t.lines", 30);
        var test = File("test.lines", 10);
        using var supervised = Prepare(new DataSpec { Train = train, Test = test });

        // Act
        using var data = Prepare(new DataSpec { Train = train, Test = test, Task = LearningTask.Unsupervised });

        // Assert: the same rows and schema, scored as unsupervised.
        Assert.Equal(supervised.Schema.Task, data.Schema.Task);
        Assert.Equal(LearningTask.Unsupervised, data.Train.Task);
        Assert.Equal(LearningTask.Unsupervised, data.Test!.Task);
        Assert.Equal(supervised.Train.TargetSize, data.Train.TargetSize);
        Assert.Equal(Rows(supervised.Train, supervised.Schema), Rows(data.Train, data.Schema));
    }
}
