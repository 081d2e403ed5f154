// Absurd or crafted data files: IDX headers that lie about their sizes, images of no pixels, splits of no images and
// a test set of another image size. Each is one DtrainException naming the file, before memory is spent on it.
using Dtrain.Models.Data;

namespace Dtrain.Models.Tests.Data;

public sealed class HostileDataTests : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData("huge.idx")]
    [InlineData("huge.idx.gz")]
    public void A_header_declaring_gigabytes_over_a_few_bytes_is_refused_without_allocating_them(string name)
    {
        // (60000, 28000, 1) declares 1.68 GB; the file holds 16 bytes of data.
        var path = _files.Write(name, IdxTestFiles.Encode([60000, 28000, 1], new byte[16]));
        var before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<DtrainException>(() => IdxReader.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, $"reading allocated {(GC.GetAllocatedBytesForCurrentThread() - before) >> 20} MB");
    }

    [Fact]
    public void A_zero_dimension_cannot_hide_a_dimension_too_large_for_an_array()
    {
        // 4,000,000,000 does not fit an int; the zero beside it makes the product 0.
        var path = _files.Write("hidden.idx", IdxTestFiles.Encode([0, unchecked((int)4_000_000_000u), 28], []));

        var error = Assert.Throws<DtrainException>(() => IdxReader.Read(path));

        Assert.Contains("dimension 2 as 4000000000", error.Message);
    }

    [Fact]
    public void Images_of_no_rows_are_refused_naming_the_file()
    {
        WriteTrain(count: 2, rows: 0, cols: 28);
        WriteTest(count: 2, rows: 28, cols: 28);

        var error = Assert.Throws<DtrainException>(() => Mnist.Load(_files.Folder));

        Assert.Contains(Mnist.TrainImages, error.Message);
        Assert.Contains("images of 0x28 pixels", error.Message);
    }

    [Fact]
    public void A_training_set_of_no_images_is_refused_instead_of_training_forever()
    {
        WriteTrain(count: 0, rows: 28, cols: 28);
        WriteTest(count: 2, rows: 28, cols: 28);

        var error = Assert.Throws<DtrainException>(() => Mnist.Load(_files.Folder));

        Assert.Contains(Mnist.TrainImages, error.Message);
        Assert.Contains("holds no images", error.Message);
    }

    [Fact]
    public void Test_images_of_another_size_than_the_training_images_are_refused_naming_both_files()
    {
        WriteTrain(count: 2, rows: 28, cols: 28);
        WriteTest(count: 2, rows: 20, cols: 20);

        var error = Assert.Throws<DtrainException>(() => Mnist.Load(_files.Folder));

        Assert.Contains($"{Mnist.TestImages}' are 20x20 pixels", error.Message);
        Assert.Contains($"{Mnist.TrainImages}' are 28x28", error.Message);
    }

    private void WriteTrain(int count, int rows, int cols) => WriteSplit(Mnist.TrainImages, Mnist.TrainLabels, count, rows, cols);

    private void WriteTest(int count, int rows, int cols) => WriteSplit(Mnist.TestImages, Mnist.TestLabels, count, rows, cols);

    private void WriteSplit(string images, string labels, int count, int rows, int cols)
    {
        _files.Write(images, IdxTestFiles.Encode([count, rows, cols], new byte[count * rows * cols]));
        _files.Write(labels, IdxTestFiles.Encode([count], new byte[count]));
    }
}
