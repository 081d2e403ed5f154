// Checks the IDX reader on small files written by the test: a good file, and each kind of damage.
using Dtrain.Models.Data;

namespace Dtrain.Models.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData("good-idx3-ubyte")]
    [InlineData("good-idx3-ubyte.gz")]
    public void Read_returns_dimensions_and_data_of_a_good_file(string name)
    {
        // Arrange
        byte[] data = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255];
        string path = _files.Write(name, IdxTestFiles.Encode([2, 3, 2], data));

        // Act
        var idx = IdxReader.Read(path, expectedDimensions: 3);

        // Assert
        Assert.Equal([2, 3, 2], idx.Dimensions);
        Assert.Equal(data, idx.Data);
    }

    [Fact]
    public void Read_reports_bad_magic_naming_the_file()
    {
        // Arrange
        var bytes = IdxTestFiles.Encode([3], [1, 2, 3]);
        bytes[0] = 0x1F;
        string path = _files.Write("bad-magic-idx1-ubyte", bytes);

        // Act
        var error = Assert.Throws<DtrainException>(() => IdxReader.Read(path));

        // Assert
        Assert.Contains(path, error.Message);
        Assert.Contains("magic", error.Message);
    }

    [Fact]
    public void Read_reports_a_type_other_than_unsigned_byte_naming_the_file()
    {
        // Arrange: 0x0D is the IDX code for float32.
        string path = _files.Write("floats-idx1", IdxTestFiles.Encode([1], [0, 0, 0, 0], type: 0x0D));

        // Act
        var error = Assert.Throws<DtrainException>(() => IdxReader.Read(path));

        // Assert
        Assert.Contains(path, error.Message);
        Assert.Contains("0x0D", error.Message);
    }

    [Theory]
    [InlineData(2)]   // inside the magic number
    [InlineData(10)]  // inside the dimensions
    [InlineData(20)]  // inside the data
    public void Read_reports_a_truncated_file_naming_it(int keptBytes)
    {
        // Arrange
        var bytes = IdxTestFiles.Encode([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
        string path = _files.Write("short-idx3-ubyte", bytes[..keptBytes]);

        // Act
        var error = Assert.Throws<DtrainException>(() => IdxReader.Read(path));

        // Assert
        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Read_reports_the_wrong_number_of_dimensions()
    {
        // Arrange
        string path = _files.Write("flat-idx1-ubyte", IdxTestFiles.Encode([4], [1, 2, 3, 4]));

        // Act
        var error = Assert.Throws<DtrainException>(() => IdxReader.Read(path, expectedDimensions: 3));

        // Assert
        Assert.Contains(path, error.Message);
        Assert.Contains("expected 3", error.Message);
    }

    [Fact]
    public void Read_reports_a_missing_file_naming_it()
    {
        // Arrange
        string path = Path.Combine(_files.Folder, "absent-idx1-ubyte");

        // Act
        var error = Assert.Throws<DtrainException>(() => IdxReader.Read(path));

        // Assert
        Assert.Contains(path, error.Message);
        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public void LoadSplit_reports_an_image_label_count_mismatch_naming_both_files()
    {
        // Arrange: three 2x2 images but only two labels.
        var (images, labels) = _files.WriteSplit("imgs-idx3-ubyte", "lbls-idx1-ubyte", new byte[12], [1, 2], rows: 2, cols: 2);

        // Act
        var error = Assert.Throws<DtrainException>(() => Mnist.LoadSplit("tiny", images, labels));

        // Assert
        Assert.Contains(images, error.Message);
        Assert.Contains(labels, error.Message);
        Assert.Contains("mismatch", error.Message);
    }
}
