// Checks the npy and npz formats: types, tasks inferred from the labels, labels found by name or named, the
// normalisation statistics, files NumPy itself wrote, and the one-line errors for bad files.
using System.Diagnostics;
using System.IO.Compression;
using Dtrain.Models.Data;
using Dtrain.Models.Data.Formats;

namespace Dtrain.Models.Tests.Data.Formats;

public sealed class NpyFormatTests : IDisposable
{
    private readonly FormatTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Npy_with_integer_labels_beside_it_is_classification_with_class_names_0_to_K_minus_1()
    {
        // Arrange: x.npy (3 examples of [2, 2] float32), y.npy int64 labels found by name.
        var x = _files.Write("x.npy", FormatTestFiles.Npy("<f4", [3, 2, 2], FormatTestFiles.Floats(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)));
        _files.Write("y.npy", FormatTestFiles.Npy("<i8", [3], FormatTestFiles.Longs(2, 0, 1)));

        // Act
        var (schema, sink) = MemorySink.LearnAndEncode(new NpyFormat(), [x]);

        // Assert
        Assert.Equal(LearningTask.Classification, schema.Task);
        Assert.Equal([2, 2], schema.FeatureShape);
        Assert.Equal(["0", "1", "2"], schema.ClassNames);
        Assert.Equal([5f, 6, 7, 8], sink.Features[1]);
        Assert.Equal([[2f], [0f], [1f]], sink.Targets);
    }

    [Fact]
    public void Npy_uint8_features_are_scaled_by_1_over_255_as_MNIST_pixels_are()
    {
        var x = _files.Write("train_x.npy", FormatTestFiles.Npy("|u1", [2, 3], [0, 51, 255, 1, 2, 128]));
        _files.Write("train_y.npy", FormatTestFiles.Npy("|u1", [2], [1, 0]));

        var (_, sink) = MemorySink.LearnAndEncode(new NpyFormat(), [x]);

        Assert.Equal([0f, 0.2f, 1f], sink.Features[0]);
        Assert.Equal(128 / 255f, sink.Features[1][2]);
    }

    [Theory]
    [InlineData("|i1", 1)]
    [InlineData("<i2", 2)]
    [InlineData("<i4", 4)]
    [InlineData("<i8", 8)]
    [InlineData("<f8", 8)]
    public void Npy_reads_every_supported_type_as_the_same_values(string descr, int size)
    {
        // Arrange: the values -3, 0, 7 in each type.
        long[] values = [-3, 0, 7];
        var data = values.SelectMany(v => descr[1] == 'f' ? BitConverter.GetBytes((double)v) : BitConverter.GetBytes(v).Take(size)).ToArray();
        var x = _files.Write("X_train.npy", FormatTestFiles.Npy(descr, [3], data));

        // Act: no labels file, so the task is reconstruction.
        var (schema, sink) = MemorySink.LearnAndEncode(new NpyFormat(), [x]);

        // Assert
        Assert.Equal(LearningTask.Reconstruction, schema.Task);
        Assert.Equal([1], schema.FeatureShape);
        Assert.Equal([[-3f], [0f], [7f]], sink.Features);
        Assert.All(sink.Targets, t => Assert.Empty(t));
    }

    [Fact]
    public void Npy_float_labels_are_regression_with_one_target_per_label_column()
    {
        var x = _files.Write("features.npy", FormatTestFiles.Npy("<f4", [2, 1], FormatTestFiles.Floats(1, 2)));
        _files.Write("targets.npy", FormatTestFiles.Npy("<f4", [2, 2], FormatTestFiles.Floats(0.5f, -1, 2.5f, 3)));

        var (schema, sink) = MemorySink.LearnAndEncode(new NpyFormat(), [x]);

        Assert.Equal(LearningTask.Regression, schema.Task);
        Assert.Equal(2, schema.TargetWidth);
        Assert.Equal([[0.5f, -1f], [2.5f, 3f]], sink.Targets);
    }

    [Fact]
    public void Npy_labels_named_in_label_are_recorded_in_the_schema_and_found_again_when_encoding()
    {
        // Arrange: names the convention does not pair.
        var x = _files.Write("pixels.npy", FormatTestFiles.Npy("<f4", [2, 1], FormatTestFiles.Floats(1, 2)));
        var y = _files.Write("answers.npy", FormatTestFiles.Npy("<i4", [2], [1, 0, 0, 0, 0, 0, 0, 0]));

        // Act: the training files include the labels file (a folder of both), which is not read as features.
        var schema = new NpyFormat().Learn([y, x], new DataSpec { Label = y }, _ => true);
        var sink = new MemorySink();
        new NpyFormat().Encode([x], DataSchema.FromJson(schema.ToJson(), "test"), sink);

        // Assert
        Assert.Equal(Path.GetFullPath(y), schema.LabelFiles![Path.GetFullPath(x)]);
        Assert.Equal([[1f], [0f]], sink.Targets);
    }

    [Fact]
    public void Npy_standard_normalisation_takes_its_statistics_from_the_training_rows_only()
    {
        // Arrange: rows 0..3 hold 1, 3, 100, 5; row 2 is the validation row.
        var x = _files.Write("x.npy", FormatTestFiles.Npy("<f4", [4, 1], FormatTestFiles.Floats(1, 3, 100, 5)));
        var format = new NpyFormat();

        // Act
        var schema = format.Learn([x], new DataSpec { Normalize = "standard" }, row => row != 2);
        var sink = new MemorySink();
        format.Encode([x], schema, sink);

        // Assert: mean 3, std sqrt(8/3).
        Assert.Equal(3f, schema.FeatureShift![0]);
        Assert.Equal((float)(1 / Math.Sqrt(8.0 / 3)), schema.FeatureScale![0], 5);
        Assert.Equal(0f, sink.Features[1][0]);
    }

    [Theory]
    [InlineData(CompressionLevel.NoCompression)]
    [InlineData(CompressionLevel.Optimal)]
    public void Npz_with_x_and_y_stored_or_deflated_reads_as_the_npy_pair(CompressionLevel level)
    {
        // Arrange
        var path = _files.PathOf("data.npz");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach (var (name, bytes) in new[]
            {
                ("x.npy", FormatTestFiles.Npy("<f4", [2, 2], FormatTestFiles.Floats(1, 2, 3, 4))),
                ("y.npy", FormatTestFiles.Npy("<i8", [2], FormatTestFiles.Longs(1, 0))),
            })
            {
                using var entry = zip.CreateEntry(name, level).Open();
                entry.Write(bytes);
            }
        }

        // Act
        var (schema, sink) = MemorySink.LearnAndEncode(new NpzFormat(), [path]);

        // Assert
        Assert.Equal(LearningTask.Classification, schema.Task);
        Assert.Equal([[1f, 2], [3f, 4]], sink.Features);
        Assert.Equal([[1f], [0f]], sink.Targets);
    }

    [Fact]
    public void Npy_and_npz_written_by_numpy_read_as_numpy_holds_them()
    {
        // Arrange: NumPy's own writer (version 1.0 header, savez_compressed deflate).
        var script = """
            import numpy as np, sys
            d = sys.argv[1]
            x = (np.arange(24, dtype=np.float64).reshape(4, 2, 3) / 8)
            y = np.array([3, 0, 2, 1], dtype=np.int32)
            np.save(d + '/x.npy', x); np.save(d + '/y.npy', y)
            np.savez_compressed(d + '/both.npz', x=x.astype(np.float32), y=y)
            """;
        using var python = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-c", script, _files.Folder]) { RedirectStandardError = true })!;
        var error = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, error);

        // Act
        var (npySchema, npy) = MemorySink.LearnAndEncode(new NpyFormat(), [_files.PathOf("x.npy")]);
        var (npzSchema, npz) = MemorySink.LearnAndEncode(new NpzFormat(), [_files.PathOf("both.npz")]);

        // Assert
        Assert.Equal([2, 3], npySchema.FeatureShape);
        Assert.Equal(["0", "1", "2", "3"], npySchema.ClassNames);
        Assert.Equal(Enumerable.Range(6, 6).Select(v => v / 8f), npy.Features[1]);
        Assert.Equal([[3f], [0f], [2f], [1f]], npy.Targets);
        Assert.Equal(npy.Features, npz.Features);
        Assert.Equal(npy.Targets, npz.Targets);
        Assert.Equal(npySchema.ClassNames, npzSchema.ClassNames);
    }

    [Fact]
    public void Npy_of_an_unsupported_dtype_is_refused_naming_the_file_and_the_dtype()
    {
        var x = _files.Write("x.npy", FormatTestFiles.Npy("<c8", [1, 1], new byte[8]));

        var error = Assert.Throws<DtrainException>(() => new NpyFormat().Learn([x], new DataSpec(), _ => true));

        Assert.Equal($"{x}: dtype '<c8' is not supported; supported: float32, float64, int8, int16, int32, int64, uint8", error.Message);
    }

    [Fact]
    public void Npy_with_a_truncated_body_is_refused_naming_the_file_and_the_sizes()
    {
        var x = _files.Write("x.npy", FormatTestFiles.Npy("<f4", [3, 2], FormatTestFiles.Floats(1, 2, 3, 4, 5)));

        var error = Assert.Throws<DtrainException>(() => new NpyFormat().Learn([x], new DataSpec(), _ => true));

        Assert.Equal($"{x}: the body is truncated: shape (3, 2) of float32 needs 24 bytes but only 20 follow the header", error.Message);
    }

    [Fact]
    public void Npz_with_a_truncated_member_is_refused_naming_the_member_and_the_example()
    {
        var path = _files.PathOf("data.npz");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using var entry = zip.CreateEntry("x.npy", CompressionLevel.Optimal).Open();
            entry.Write(FormatTestFiles.Npy("<f4", [3, 2], FormatTestFiles.Floats(1, 2, 3, 4, 5)));
        }

        var error = Assert.Throws<DtrainException>(() => new NpzFormat().Learn([path], new DataSpec(), _ => true));

        Assert.Equal($"{path}:x.npy: the body is truncated: it ends inside example 2 of 3", error.Message);
    }

    [Fact]
    public void Npy_in_Fortran_order_is_refused_by_name()
    {
        var x = _files.Write("x.npy", FormatTestFiles.Npy("<f4", [1, 2], FormatTestFiles.Floats(1, 2), fortran: true));

        var error = Assert.Throws<DtrainException>(() => new NpyFormat().Learn([x], new DataSpec(), _ => true));

        Assert.Equal($"{x}: the array is in Fortran order; write it in C order (numpy.ascontiguousarray) and save again", error.Message);
    }

    [Fact]
    public void Npy_big_endian_is_refused_by_name()
    {
        var x = _files.Write("x.npy", FormatTestFiles.Npy(">f4", [1, 1], new byte[4]));

        var error = Assert.Throws<DtrainException>(() => new NpyFormat().Learn([x], new DataSpec(), _ => true));

        Assert.Equal($"{x}: dtype '>f4' is big-endian; save it as little-endian (array.astype('<f4'))", error.Message);
    }

    [Fact]
    public void Npy_labels_whose_count_differs_from_the_features_count_are_refused_naming_both_files()
    {
        var x = _files.Write("x.npy", FormatTestFiles.Npy("<f4", [3, 1], FormatTestFiles.Floats(1, 2, 3)));
        var y = _files.Write("y.npy", FormatTestFiles.Npy("<i8", [2], FormatTestFiles.Longs(0, 1)));

        var error = Assert.Throws<DtrainException>(() => new NpyFormat().Learn([x], new DataSpec(), _ => true));

        Assert.Equal($"{y}: holds 2 labels but '{x}' holds 3 examples", error.Message);
    }

    [Fact]
    public void Npy_test_labels_of_a_class_never_seen_in_training_are_refused_naming_the_example()
    {
        var format = new NpyFormat();
        var x = _files.Write("train_x.npy", FormatTestFiles.Npy("<f4", [2, 1], FormatTestFiles.Floats(1, 2)));
        _files.Write("train_y.npy", FormatTestFiles.Npy("<i8", [2], FormatTestFiles.Longs(0, 1)));
        var tx = _files.Write("test_x.npy", FormatTestFiles.Npy("<f4", [2, 1], FormatTestFiles.Floats(1, 2)));
        var ty = _files.Write("test_y.npy", FormatTestFiles.Npy("<i8", [2], FormatTestFiles.Longs(1, 5)));
        var schema = format.Learn([x], new DataSpec(), _ => true);

        var error = Assert.Throws<DtrainException>(() => format.Encode([tx], schema, new MemorySink()));

        Assert.Equal($"{ty}: example 1: class 5 was never seen in training (classes 0..1)", error.Message);
    }

    [Fact]
    public void Companion_labels_pair_the_usual_names()
    {
        Assert.Contains(Path.Combine("d", "y.npy"), CompanionLabels.Candidates(Path.Combine("d", "x.npy")));
        Assert.Contains(Path.Combine("d", "y_train.npy"), CompanionLabels.Candidates(Path.Combine("d", "X_train.npy")));
        Assert.Contains(Path.Combine("d", "test-labels.npy.gz"), CompanionLabels.Candidates(Path.Combine("d", "test-images.npy")));
        Assert.Contains(Path.Combine("d", "train-labels-idx1-ubyte.gz"), CompanionLabels.Candidates(Path.Combine("d", "train-images-idx3-ubyte.gz")));
    }
}
