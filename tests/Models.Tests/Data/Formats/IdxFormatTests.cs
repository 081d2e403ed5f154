// Checks the idx format: MNIST read as idx gives what Mnist.Load gives bit for bit, other types, shapes and class
// counts, Fashion-MNIST as Debian ships it (a file plus its labels, and the folder), and the refusals.
using System.Buffers.Binary;
using Dtrain.Models.Data;
using Dtrain.Models.Data.Formats;

namespace Dtrain.Models.Tests.Data.Formats;

public sealed class IdxFormatTests : IDisposable
{
    private const string FashionMnist = "/usr/share/datasets/fashion-mnist";
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Idx_on_MNIST_files_encodes_the_same_floats_as_Mnist_Load_bit_for_bit()
    {
        // Arrange: a tiny MNIST folder; the test labels are gzip-compressed.
        var pixels = Enumerable.Range(0, 3 * 4 * 5).Select(i => (byte)(i * 37 % 256)).ToArray();
        _files.WriteSplit(Mnist.TrainImages, Mnist.TrainLabels, pixels, [3, 9, 0], rows: 4, cols: 5);
        _files.WriteSplit(Mnist.TestImages, Mnist.TestLabels + ".gz", pixels[..20], [7], rows: 4, cols: 5);
        var (train, test) = Mnist.Load(_files.Folder);
        var format = new IdxFormat();

        // Act: the folder as training data, and its test half.
        var trainFiles = format.Expand(_files.Folder, test: false);
        var schema = format.Learn(trainFiles, new DataSpec(), _ => true);
        var sink = new MemorySink();
        format.Encode(trainFiles, schema, sink);
        var testSink = new MemorySink();
        format.Encode(format.Expand(_files.Folder, test: true), schema, testSink);

        // Assert
        Assert.Equal([4, 5], schema.FeatureShape);
        Assert.Equal(10, schema.Classes);
        Assert.Equal(train.Features, sink.Features.SelectMany(f => f));
        Assert.Equal(train.Labels.Select(l => (float)l), sink.Targets.SelectMany(t => t));
        Assert.Equal(test.Features, testSink.Features.SelectMany(f => f));
        Assert.Equal([[7f]], testSink.Targets);
    }

    [Fact]
    public void Idx_of_float32_examples_of_any_rank_with_any_class_count_keeps_its_shape_and_values()
    {
        // Arrange: 2 examples of [2, 1, 3] big-endian floats and labels 0 and 11 (12 classes).
        var values = new byte[2 * 6 * 4];
        for (int i = 0; i < 12; i++)
            BinaryPrimitives.WriteSingleBigEndian(values.AsSpan(4 * i), i - 5.5f);
        var images = _files.Write("cubes-images.idx", IdxTestFiles.Encode([2, 2, 1, 3], values, type: 0x0D));
        _files.Write("cubes-labels.idx", IdxTestFiles.Encode([2], [0, 11]));

        // Act
        var (schema, sink) = MemorySink.LearnAndEncode(new IdxFormat(), [images]);

        // Assert
        Assert.Equal([2, 1, 3], schema.FeatureShape);
        Assert.Equal(12, schema.Classes);
        Assert.Equal(Enumerable.Range(6, 6).Select(i => i - 5.5f), sink.Features[1]);
        Assert.Equal([[0f], [11f]], sink.Targets);
    }

    [Fact]
    public void Fashion_MNIST_as_Debian_ships_it_loads_as_an_images_file_with_its_labels_file_and_as_the_folder()
    {
        // Arrange
        var format = new IdxFormat();
        var images = Path.Combine(FashionMnist, "t10k-images-idx3-ubyte.gz");
        var labels = Path.Combine(FashionMnist, "t10k-labels-idx1-ubyte.gz");
        var expected = Mnist.LoadSplit("fashion-test", images, labels);

        // Act: the test images with their labels named; then the folder, test half.
        var named = new MemorySinkCount();
        var schema = format.Learn([images], new DataSpec { Format = "idx", Label = labels }, _ => true);
        format.Encode([images], schema, named);
        var folder = new MemorySinkCount();
        format.Encode(format.Expand(FashionMnist, test: true), schema, folder);

        // Assert
        Assert.Equal("idx", DataFormats.For(FashionMnist, null).Name);
        Assert.Equal([28, 28], schema.FeatureShape);
        Assert.Equal(Enumerable.Range(0, 10).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)), schema.ClassNames);
        Assert.Equal(10_000, named.Count);
        Assert.Equal(named.Checksum, folder.Checksum);
        Assert.Equal(expected.Features.Select((v, i) => (double)v * (i % 97 + 1)).Sum(), named.Checksum, 6);
        Assert.Equal(expected.Labels.Select(l => (long)l).Sum(), named.LabelSum);
    }

    [Fact]
    public void Idx_with_a_wrong_magic_number_is_refused_naming_the_file()
    {
        var bytes = IdxTestFiles.Encode([1, 2], [1, 2]);
        bytes[0] = 0x1F;
        var path = _files.Write("bad-images.idx", bytes);

        var error = Assert.Throws<DtrainException>(() => new IdxFormat().Learn([path], new DataSpec(), _ => true));

        Assert.Equal($"{path}: bad IDX magic number 0x1F000802: an IDX file starts with two zero bytes", error.Message);
    }

    [Fact]
    public void Idx_whose_counts_disagree_with_the_file_size_is_refused_naming_the_file_and_both_sizes()
    {
        // (3, 2) declares 6 bytes; 4 follow.
        var path = _files.Write("short-images.idx", IdxTestFiles.Encode([3, 2], [1, 2, 3, 4]));

        var error = Assert.Throws<DtrainException>(() => new IdxFormat().Learn([path], new DataSpec(), _ => true));

        Assert.Equal($"{path}: the body is truncated: shape (3, 2) of uint8 needs 6 bytes but only 4 follow the header", error.Message);
    }

    [Fact]
    public void Idx_gz_with_data_past_its_declared_counts_is_refused_naming_the_file()
    {
        var path = _files.Write("long-images.idx.gz", IdxTestFiles.Encode([1, 2], [1, 2, 3]));
        var format = new IdxFormat();
        var schema = format.Learn([path], new DataSpec(), _ => true);

        var error = Assert.Throws<DtrainException>(() => format.Encode([path], schema, new MemorySink()));

        Assert.Equal($"{path}: data follows the 2 bytes its header declares", error.Message);
    }

    [Fact]
    public void Idx_labels_count_differing_from_the_images_count_is_refused_naming_both_files()
    {
        var (images, labels) = _files.WriteSplit("a-images-idx3-ubyte", "a-labels-idx1-ubyte", new byte[3 * 4], [1, 2], rows: 2, cols: 2);

        var error = Assert.Throws<DtrainException>(() => new IdxFormat().Learn([images], new DataSpec(), _ => true));

        Assert.Equal($"{labels}: holds 2 labels but '{images}' holds 3 examples", error.Message);
    }

    /// <summary>Keeps a position-weighted checksum instead of 10,000 arrays.</summary>
    private sealed class MemorySinkCount : ExampleSink
    {
        private long _offset;

        public int Count { get; private set; }

        public double Checksum { get; private set; }

        public long LabelSum { get; private set; }

        public override void Write(ReadOnlySpan<float> features, ReadOnlySpan<float> targets)
        {
            for (int i = 0; i < features.Length; i++)
                Checksum += (double)features[i] * ((_offset + i) % 97 + 1);
            _offset += features.Length;
            LabelSum += (long)targets[0];
            Count++;
        }
    }
}
