// dtrain data shapes: the synthetic image-folder set is written as PNG class folders the images format reads.
using Dtrain.Models.Data;
using Dtrain.Models.Data.Formats;

namespace Dtrain.Cli.Tests;

public sealed class ShapesCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-shapes-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Data_shapes_writes_train_and_test_class_folders_of_pngs_that_the_images_format_reads()
    {
        // Act
        var result = DtrainProcess.Run(TimeSpan.FromMinutes(2), "data", "shapes", _dir, "--count", "8", "--size", "12", "--seed", "5");

        // Assert
        Assert.True(result.ExitCode == 0, $"dtrain failed:\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("32 training and 8 test images of 12x12", result.Stdout);
        var format = new ImageFolderFormat();
        var schema = format.Learn(format.Expand(Path.Combine(_dir, "train"), test: false), new DataSpec(), _ => true);
        Assert.Equal(SyntheticShapes.Classes, schema.ClassNames);
        Assert.Equal([3, 12, 12], schema.FeatureShape);
        Assert.Equal(8, format.Expand(Path.Combine(_dir, "test"), test: true).Count);
    }

    [Fact]
    public void Data_shapes_with_a_size_out_of_range_is_a_usage_error()
    {
        var result = DtrainProcess.Run(TimeSpan.FromMinutes(2), "data", "shapes", _dir, "--size", "4");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--size must be in [8, 512], got 4", result.Stderr);
    }
}
