// Checks the encoded cache file: records round-trip bit for bit, reads are by position and safe from many threads,
// and a damaged header or a truncated body is detected rather than read.
using Dtrain.Models.Data;

namespace Dtrain.Models.Tests.Data;

public sealed class EncodedCacheTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("dtrain-cache-test-");

    public void Dispose() => _folder.Delete(recursive: true);

    private static DataSchema Schema(LearningTask task, int[] shape, int targets, int classes = 0) => new()
    {
        Format = "test",
        Task = task,
        FeatureShape = shape,
        TargetWidth = targets,
        ClassNames = classes > 0 ? Enumerable.Range(0, classes).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray() : null,
    };

    /// <summary>Writes <paramref name="rows"/> random records (odd bit patterns included) and returns what was written.</summary>
    private (float[] Features, float[] Targets) WriteRandom(string path, DataSchema schema, int rows, int seed)
    {
        var rng = new Random(seed);
        var storedTargets = schema.Task == LearningTask.Reconstruction ? 0 : schema.TargetWidth;
        var features = new float[rows * schema.FeatureSize];
        var targets = new float[rows * storedTargets];
        for (var i = 0; i < features.Length; i++)
        {
            // Any 32-bit pattern: NaN payloads, -0, subnormals and infinities must come back unchanged.
            features[i] = BitConverter.Int32BitsToSingle(rng.Next(int.MinValue, int.MaxValue));
        }

        for (var i = 0; i < targets.Length; i++)
        {
            targets[i] = schema.Task == LearningTask.Classification ? rng.Next(schema.Classes) : (float)rng.NextDouble();
        }

        using var sink = new CacheFileSink(path, schema);
        for (var r = 0; r < rows; r++)
        {
            sink.Write(features.AsSpan(r * schema.FeatureSize, schema.FeatureSize), targets.AsSpan(r * storedTargets, storedTargets));
        }

        sink.Complete();
        return (features, targets);
    }

    [Fact]
    public void Cache_round_trips_every_record_bit_for_bit()
    {
        // Arrange
        var path = Path.Combine(_folder.FullName, "a.bin");
        var schema = Schema(LearningTask.Regression, [2, 3, 5], targets: 2);
        var (features, targets) = WriteRandom(path, schema, rows: 257, seed: 1);
        using var source = new CacheFileSource(path, "a");
        int[] indices = [256, 0, 1, 2, 3, 100, 100, 7, 255, 256];

        // Act
        var gotFeatures = new float[indices.Length * 30];
        var gotTargets = new float[indices.Length * 2];
        source.Gather(indices, gotFeatures, gotTargets);

        // Assert
        Assert.Equal((257, 30, 2, LearningTask.Regression), (source.Count, source.FeatureSize, source.TargetSize, source.Task));
        Assert.Equal([2, 3, 5], source.FeatureShape);
        for (var b = 0; b < indices.Length; b++)
        {
            for (var j = 0; j < 30; j++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(features[(indices[b] * 30) + j]), BitConverter.SingleToInt32Bits(gotFeatures[(b * 30) + j]));
            }

            Assert.Equal(targets.AsSpan(indices[b] * 2, 2).ToArray(), gotTargets.AsSpan(b * 2, 2).ToArray());
        }
    }

    [Fact]
    public void Reconstruction_cache_stores_no_targets_and_gives_the_features_as_targets()
    {
        // Arrange
        var path = Path.Combine(_folder.FullName, "r.bin");
        var schema = Schema(LearningTask.Reconstruction, [4], targets: 4);
        var (features, _) = WriteRandom(path, schema, rows: 10, seed: 2);
        using var source = new CacheFileSource(path, "r");

        // Act
        var got = new float[8];
        var gotTargets = new float[8];
        source.Gather([3, 9], got, gotTargets);

        // Assert: 16 bytes per record, no stored targets.
        Assert.Equal(EncodedCache.HeaderBytes + (10 * 16), new FileInfo(path).Length);
        Assert.Equal(4, source.TargetSize);
        Assert.Equal(got, gotTargets);
        Assert.Equal(features.AsSpan(12, 4).ToArray(), got.AsSpan(0, 4).ToArray());
    }

    [Fact]
    public void Concurrent_gathers_from_one_source_each_get_their_rows()
    {
        // Arrange
        var path = Path.Combine(_folder.FullName, "c.bin");
        var schema = Schema(LearningTask.Classification, [16], targets: 1, classes: 5);
        var (features, targets) = WriteRandom(path, schema, rows: 500, seed: 3);
        using var source = new CacheFileSource(path, "c");

        // Act: eight threads gather different shuffled batches at once.
        var failures = 0;
        Parallel.For(0, 8, t =>
        {
            var rng = new Random(t);
            var f = new float[32 * 16];
            var y = new float[32];
            for (var step = 0; step < 50; step++)
            {
                var indices = Enumerable.Range(0, 32).Select(_ => rng.Next(500)).ToArray();
                source.Gather(indices, f, y);
                for (var b = 0; b < 32; b++)
                {
                    if (y[b] != targets[indices[b]] || !f.AsSpan(b * 16, 16).SequenceEqual(features.AsSpan(indices[b] * 16, 16)))
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            }
        });

        // Assert
        Assert.Equal(0, failures);
    }

    [Fact]
    public void Damaged_header_is_detected_by_its_crc()
    {
        // Arrange
        var path = Path.Combine(_folder.FullName, "d.bin");
        WriteRandom(path, Schema(LearningTask.Classification, [3], 1, classes: 2), rows: 5, seed: 4);
        var bytes = File.ReadAllBytes(path);
        bytes[24] ^= 1; // the class count
        File.WriteAllBytes(path, bytes);

        // Act
        var (header, problem) = EncodedCache.ReadHeader(path);

        // Assert
        Assert.Null(header);
        Assert.Equal("its header CRC does not match", problem);
    }

    [Fact]
    public void Truncated_cache_is_detected_by_its_length()
    {
        // Arrange
        var path = Path.Combine(_folder.FullName, "t.bin");
        WriteRandom(path, Schema(LearningTask.Classification, [3], 1, classes: 2), rows: 5, seed: 5);
        using (var stream = new FileStream(path, FileMode.Open))
        {
            stream.SetLength(stream.Length - 1);
        }

        // Act
        var (header, problem) = EncodedCache.ReadHeader(path);

        // Assert
        Assert.Null(header);
        Assert.Equal("it is 207 bytes but its header promises 208 (5 rows): truncated or extended", problem);
    }

    [Fact]
    public void Opening_a_damaged_cache_is_one_line_naming_the_file()
    {
        // Arrange
        var path = Path.Combine(_folder.FullName, "x.bin");
        File.WriteAllText(path, "not a cache");

        // Act
        var error = Assert.Throws<DtrainException>(() => new CacheFileSource(path, "x"));

        // Assert
        Assert.Equal($"{path}: not a usable encoded cache: it is 11 bytes, shorter than its header", error.Message);
    }

    [Fact]
    public void Sink_reports_progress_while_encoding()
    {
        // Arrange
        var path = Path.Combine(_folder.FullName, "p.bin");
        var reported = new List<long>();

        // Act: a zero interval reports after every row.
        using (var sink = new CacheFileSink(path, Schema(LearningTask.Classification, [2], 1, classes: 2), reported.Add, TimeSpan.Zero))
        {
            for (var r = 0; r < 3; r++)
            {
                sink.Write([r, r], [0]);
            }

            sink.Complete();
        }

        // Assert
        Assert.Equal([1L, 2L, 3L], reported);
    }

    [Fact]
    public void Unfinished_sink_leaves_no_file_under_the_cache_name()
    {
        // Arrange
        var path = Path.Combine(_folder.FullName, "u.bin");

        // Act: an encoding that fails half way disposes its sink without completing it.
        using (var sink = new CacheFileSink(path, Schema(LearningTask.Classification, [2], 1, classes: 2)))
        {
            sink.Write([1, 2], [0]);
        }

        // Assert
        Assert.Empty(_folder.GetFiles());
    }
}
