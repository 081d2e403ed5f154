// Runs the array and image formats through DataPreparer as a job does: format from the path, files from the format,
// the encoded cache, and a test set read with the training schema.
using Dtrain.Models.Data;

namespace Dtrain.Models.Tests.Data.Formats;

public sealed class PreparedArrayDataTests : IDisposable
{
    private readonly FormatTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private PreparedData Prepare(DataSpec spec) =>
        DataPreparer.Prepare(spec, seed: 1, dataDir: null, TextWriter.Null, DataFormats.For, _files.PathOf("cache"));

    [Fact]
    public void An_image_folder_and_its_test_folder_prepare_through_the_cache_with_class_names()
    {
        // Arrange
        foreach (var (cls, value) in new[] { ("circle", 10), ("square", 200) })
        {
            for (int i = 0; i < 3; i++)
            {
                _files.Png($"train/{cls}/{i}.png", 4, 4, rgb: true, (_, _, c) => (byte)(value + c + i));
            }

            _files.Png($"test/{cls}/0.png", 4, 4, rgb: true, (_, _, c) => (byte)(value + c));
        }

        // Act
        var data = Prepare(new DataSpec { Train = _files.PathOf("train"), Test = _files.PathOf("test") });

        // Assert
        Assert.Equal(["circle", "square"], data.Schema.ClassNames);
        Assert.Equal([3, 4, 4], data.Schema.FeatureShape);
        Assert.Equal(6, data.Train.Count);
        Assert.Equal(2, data.Test!.Count);
        var features = new float[2 * 48];
        var targets = new float[2];
        data.Test.Gather([0, 1], features, targets);
        Assert.Equal([0f, 1f], targets);
        Assert.Equal(201 / 255f, features[48 + 16]);
    }

    [Fact]
    public void An_npy_pair_prepares_with_its_labels_found_by_name_and_a_validation_split()
    {
        // Arrange
        _files.Write("x.npy", FormatTestFiles.Npy("<f4", [4, 2], FormatTestFiles.Floats(1, 2, 3, 4, 5, 6, 7, 8)));
        _files.Write("y.npy", FormatTestFiles.Npy("<i8", [4], FormatTestFiles.Longs(0, 1, 2, 1)));

        // Act
        var data = Prepare(new DataSpec { Train = _files.PathOf("x.npy"), ValidationSplit = 0.25 });

        // Assert
        Assert.Equal(LearningTask.Classification, data.Schema.Task);
        Assert.Equal(3, data.Schema.Classes);
        Assert.Equal(4, data.Train.Count + data.Validation!.Count);
    }
}
