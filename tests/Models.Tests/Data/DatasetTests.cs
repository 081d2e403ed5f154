// Checks the in-memory data set: batch gathering in index order, slicing, and argument checks.
using Dtrain.Models.Data;

namespace Dtrain.Models.Tests.Data;

public class DatasetTests
{
    /// <summary>Five examples of 37 features (odd, so copies have vector tails); example i holds i * 1000 + j.</summary>
    private static Dataset Numbered()
    {
        const int count = 5, size = 37;
        var features = new float[count * size];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < size; j++)
                features[i * size + j] = i * 1000 + j;
        return new Dataset("numbered", [size], classes: 3, features, [0, 1, 2, 0, 1]);
    }

    [Fact]
    public void Gather_copies_examples_and_labels_in_index_order()
    {
        // Arrange
        var data = Numbered();
        int[] indices = [4, 0, 4, 2];
        var features = new float[indices.Length * data.FeatureSize];
        var labels = new float[indices.Length];

        // Act
        data.Gather(indices, features, labels);

        // Assert
        for (int b = 0; b < indices.Length; b++)
        {
            for (int j = 0; j < data.FeatureSize; j++)
                Assert.Equal(indices[b] * 1000 + j, features[b * data.FeatureSize + j]);
            Assert.Equal(data.Labels[indices[b]], labels[b]);
        }
    }

    [Fact]
    public void Gather_rejects_an_index_outside_the_data_set()
    {
        // Arrange
        var data = Numbered();

        // Act / Assert
        Assert.Throws<ArgumentOutOfRangeException>(
            () => data.Gather([1, 5], new float[2 * data.FeatureSize], new float[2]));
    }

    [Fact]
    public void Gather_rejects_a_feature_buffer_of_the_wrong_size()
    {
        // Arrange
        var data = Numbered();

        // Act
        var error = Assert.Throws<ArgumentException>(
            () => data.Gather([1, 2], new float[data.FeatureSize], new float[2]));

        // Assert
        Assert.Equal("features", error.ParamName);
    }

    [Fact]
    public void Slice_copies_consecutive_examples()
    {
        // Arrange
        var data = Numbered();

        // Act
        var slice = data.Slice(1, 3);

        // Assert
        Assert.Equal(3, slice.Count);
        Assert.Equal([1, 2, 0], slice.Labels);
        Assert.Equal(1000f, slice.Features[0]);
        Assert.Equal(3 * 1000f + 36, slice.Features[^1]);
        Assert.Equal(data.FeatureShape, slice.FeatureShape);
    }

    [Fact]
    public void Constructor_rejects_a_label_outside_the_classes()
    {
        // Act / Assert
        Assert.Throws<ArgumentException>(() => new Dataset("bad", [2], classes: 2, new float[4], [0, 2]));
    }
}
