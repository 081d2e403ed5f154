// Checks the images format: class folders become sorted class names, pixels become channels-first floats in [0, 1],
// grey or RGB, resizing, JPEG, and the refusals for undecodable images, mixed sizes and unknown test classes.
using Dtrain.Models.Data;
using Dtrain.Models.Data.Formats;
using StbImageWriteSharp;

namespace Dtrain.Models.Tests.Data.Formats;

public sealed class ImageFolderFormatTests : IDisposable
{
    private readonly FormatTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private IReadOnlyList<string> Expand(string folder) => new ImageFolderFormat().Expand(_files.PathOf(folder), test: false);

    [Fact]
    public void Image_folder_classes_are_the_sorted_sub_folder_names_and_rgb_pixels_become_channels_first()
    {
        // Arrange: 'dog' sorts after 'cat'; one RGB image makes the set RGB.
        _files.Png("train/dog/a.png", 3, 2, rgb: true, (x, y, c) => (byte)(c * 100 + y * 10 + x));
        _files.Png("train/cat/b.png", 3, 2, rgb: false, (x, y, _) => (byte)(255 - x));

        // Act
        var (schema, sink) = MemorySink.LearnAndEncode(new ImageFolderFormat(), Expand("train"));

        // Assert
        Assert.Equal(["cat", "dog"], schema.ClassNames);
        Assert.Equal([3, 2, 3], schema.FeatureShape);
        Assert.Equal(3, schema.Channels);
        Assert.Equal([[0f], [1f]], sink.Targets);
        var dog = sink.Features[1];
        Assert.Equal(12 / 255f, dog[0 * 6 + 1 * 3 + 2]);
        Assert.Equal(111 / 255f, dog[1 * 6 + 1 * 3 + 1]);
        Assert.Equal(200 / 255f, dog[2 * 6]);
        Assert.Equal(1f, sink.Features[0][6]);
        Assert.Equal(1f, sink.Features[0][12]);
    }

    [Fact]
    public void Image_folder_of_grey_images_has_one_channel_unless_rgb_is_asked()
    {
        _files.Png("train/a/1.png", 2, 2, rgb: false, (x, y, _) => (byte)(x + y));
        _files.Png("train/b/1.png", 2, 2, rgb: false, (x, y, _) => 7);

        var grey = new ImageFolderFormat().Learn(Expand("train"), new DataSpec(), _ => true);
        var rgb = new ImageFolderFormat().Learn(Expand("train"), new DataSpec { Color = "rgb" }, _ => true);

        Assert.Equal([1, 2, 2], grey.FeatureShape);
        Assert.Equal([3, 2, 2], rgb.FeatureShape);
    }

    [Fact]
    public void Image_folder_resize_scales_every_image_to_the_given_height_and_width_bilinearly()
    {
        // Arrange: a 4x2 grey image whose columns are 0, 0, 255, 255, and a 2x2 one of 255.
        _files.Png("train/a/wide.png", 4, 2, rgb: false, (x, _, _) => (byte)(x < 2 ? 0 : 255));
        _files.Png("train/b/small.png", 2, 2, rgb: false, (_, _, _) => 255);

        // Act
        var (schema, sink) = MemorySink.LearnAndEncode(new ImageFolderFormat(), Expand("train"), new DataSpec { Resize = [1, 2] });

        // Assert: half-pixel centres sample columns 0.5 and 2.5: 0 and 255 (after clamping within each half).
        Assert.Equal([1, 1, 2], schema.FeatureShape);
        Assert.Equal([0f, 1f], sink.Features[0]);
        Assert.Equal([1f, 1f], sink.Features[1]);
    }

    [Fact]
    public void Image_folder_reads_jpeg_and_converts_it_to_grey_when_asked()
    {
        var path = _files.PathOf("train/a/photo.jpg");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var stream = File.Create(path))
            new ImageWriter().WriteJpg(Enumerable.Repeat((byte)200, 8 * 8).ToArray(), 8, 8, ColorComponents.Grey, stream, 95);

        // stb's JPEG writer stores three components, so grey is asked for.
        var (schema, sink) = MemorySink.LearnAndEncode(new ImageFolderFormat(), Expand("train"), new DataSpec { Color = "grey" });

        Assert.Equal([1, 8, 8], schema.FeatureShape);
        Assert.All(sink.Features[0], v => Assert.InRange(v, 195 / 255f, 205 / 255f));
    }

    [Fact]
    public void Images_of_mixed_sizes_without_resize_are_refused_naming_two_files_and_their_sizes()
    {
        var first = _files.Png("train/a/1.png", 4, 3, rgb: false, (_, _, _) => 0);
        var second = _files.Png("train/b/2.png", 5, 3, rgb: false, (_, _, _) => 0);

        var error = Assert.Throws<DtrainException>(() => new ImageFolderFormat().Learn(Expand("train"), new DataSpec(), _ => true));

        Assert.Equal($"{second}: the image is 5x3 but '{first}' is 4x3; set training.data.resize to [height, width] to train on mixed sizes", error.Message);
    }

    [Fact]
    public void An_image_that_cannot_be_decoded_is_refused_naming_the_file()
    {
        _files.Png("train/a/good.png", 2, 2, rgb: false, (_, _, _) => 0);
        var bad = _files.Write("train/b/broken.png", "not a png at all"u8.ToArray());

        var error = Assert.Throws<DtrainException>(() => new ImageFolderFormat().Learn(Expand("train"), new DataSpec(), _ => true));

        Assert.Equal($"{bad}: cannot be decoded as an image (not a PNG, JPEG or BMP)", error.Message);
    }

    [Fact]
    public void A_png_with_a_corrupt_body_is_refused_naming_the_file()
    {
        // The header is intact (so the size is known) but the pixel data is cut off.
        var good = _files.Png("train/a/good.png", 16, 16, rgb: false, (x, y, _) => (byte)(x * y));
        var bytes = File.ReadAllBytes(good);
        var bad = _files.Write("train/a/cut.png", bytes[..(bytes.Length / 2)]);
        var format = new ImageFolderFormat();
        var schema = format.Learn([good], new DataSpec(), _ => true);

        var error = Assert.Throws<DtrainException>(() => format.Encode([bad], schema, new MemorySink()));

        Assert.StartsWith($"{bad}: cannot be decoded as an image: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_test_class_missing_in_training_is_refused_naming_it()
    {
        _files.Png("train/cat/1.png", 2, 2, rgb: false, (_, _, _) => 0);
        _files.Png("train/dog/1.png", 2, 2, rgb: false, (_, _, _) => 0);
        var zebra = _files.Png("test/zebra/1.png", 2, 2, rgb: false, (_, _, _) => 0);
        var format = new ImageFolderFormat();
        var schema = format.Learn(Expand("train"), new DataSpec(), _ => true);

        var error = Assert.Throws<DtrainException>(() => format.Encode(Expand("test"), schema, new MemorySink()));

        Assert.Equal($"{zebra}: class 'zebra' was not in training (classes: cat, dog)", error.Message);
    }

    [Fact]
    public void A_folder_of_class_folders_is_the_images_format()
    {
        _files.Png("train/a/1.png", 2, 2, rgb: false, (_, _, _) => 0);

        Assert.Equal("images", DataFormats.For(_files.PathOf("train"), null).Name);
    }
}
