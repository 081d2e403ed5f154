// Examples read from an encoded cache file by position: each Gather reads only the rows asked for (one read per run
// of consecutive rows), so a worker's memory is its batch, not the data set; the page cache keeps hot rows fast.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Dtrain.Models.Data;

/// <summary>
/// A file-backed <see cref="ExampleSource"/> over an <see cref="EncodedCache"/> file. Reads are positional
/// (<see cref="RandomAccess"/>), so any number of workers in one process may gather from one instance at once.
/// </summary>
public sealed class CacheFileSource : ExampleSource, IDisposable
{
    /// <summary>Largest read issued for a run of consecutive rows.</summary>
    private const int MaxReadBytes = 1 << 20;

    private readonly SafeFileHandle _handle;
    private readonly EncodedCache.Header _header;
    private readonly int[] _featureShape;
    private readonly int _featureSize;
    private readonly int _storedTargets;
    private readonly int _recordBytes;

    // One read buffer per thread: workers gather concurrently and a batch must not allocate.
    [ThreadStatic]
    private static byte[]? _buffer;

    /// <summary>Opens <paramref name="path"/>, which must hold a sound cache (see <see cref="EncodedCache.ReadHeader"/>).</summary>
    /// <param name="path">The cache file.</param>
    /// <param name="name">The name shown in messages, such as the data file it was encoded from.</param>
    public CacheFileSource(string path, string name)
    {
        var (header, problem) = EncodedCache.ReadHeader(path);
        _header = header ?? throw new DtrainException($"{path}: not a usable encoded cache: {problem}");
        Path = path;
        Name = name;
        _featureShape = header.FeatureShape;
        _featureSize = header.FeatureSize;
        _storedTargets = header.StoredTargets;
        _recordBytes = (int)header.RecordBytes;
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.RandomAccess);
    }

    /// <summary>The cache file read.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <inheritdoc/>
    public override int Count => (int)_header.Rows;

    /// <inheritdoc/>
    public override int[] FeatureShape => _featureShape;

    /// <inheritdoc/>
    public override int TargetSize => _header.Task == LearningTask.Reconstruction ? _featureSize : _storedTargets;

    /// <inheritdoc/>
    public override LearningTask Task => _header.Task;

    /// <inheritdoc/>
    public override int Classes => _header.Classes;

    /// <inheritdoc/>
    public override void Gather(ReadOnlySpan<int> indices, Span<float> features, Span<float> targets)
    {
        CheckBatch(indices, features, targets);
        var rowsPerRead = Math.Max(1, MaxReadBytes / _recordBytes);
        var buffer = _buffer is { } b && b.Length >= Math.Min(indices.Length, rowsPerRead) * _recordBytes
            ? b
            : _buffer = new byte[Math.Max(_buffer?.Length ?? 0, Math.Min(Math.Max(indices.Length, 1), rowsPerRead) * _recordBytes)];
        var targetSize = TargetSize;
        for (var b0 = 0; b0 < indices.Length;)
        {
            // A run of consecutive rows (an in-order evaluation pass) is one read.
            var first = indices[b0];
            if ((uint)first >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"Index {first} at batch position {b0} is outside data set '{Name}' of {Count} examples.");
            }

            var run = 1;
            while (b0 + run < indices.Length && run < rowsPerRead && indices[b0 + run] == first + run && first + run < Count)
            {
                run++;
            }

            var bytes = buffer.AsSpan(0, run * _recordBytes);
            ReadExactly(bytes, EncodedCache.HeaderBytes + ((long)first * _recordBytes));
            for (var r = 0; r < run; r++)
            {
                var record = bytes.Slice(r * _recordBytes, _recordBytes);
                var row = b0 + r;
                CopyFloats(record[..(4 * _featureSize)], features.Slice(row * _featureSize, _featureSize));
                if (_storedTargets > 0)
                {
                    CopyFloats(record[(4 * _featureSize)..], targets.Slice(row * targetSize, targetSize));
                }
                else
                {
                    features.Slice(row * _featureSize, _featureSize).CopyTo(targets.Slice(row * targetSize, targetSize));
                }
            }

            b0 += run;
        }
    }

    private void ReadExactly(Span<byte> bytes, long offset)
    {
        while (bytes.Length > 0)
        {
            var n = RandomAccess.Read(_handle, bytes, offset);
            if (n <= 0)
            {
                throw new DtrainException($"{Path}: the encoded cache ended early at byte {offset:N0} (was it changed while training? delete it to rebuild)");
            }

            bytes = bytes[n..];
            offset += n;
        }
    }

    private static void CopyFloats(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
            return;
        }

        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _handle.Dispose();
}
