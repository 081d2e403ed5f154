// The encoded cache file: examples already turned into floats, one fixed-size record each, so a later epoch (or a
// later run) reads rows by position instead of parsing text or decoding images again.
using System.Buffers.Binary;
using System.IO.Hashing;

namespace Dtrain.Models.Data;

/// <summary>
/// The layout of an encoded cache file, little-endian throughout. A 128-byte header: the magic <c>DTRNCACH</c>,
/// version (int32), rows (int64), task (int32), classes (int32), target width stored per record (int32; 0 for
/// reconstruction, whose targets are the features), rank (int32), the feature shape (rank int32s, at most
/// <see cref="MaxRank"/>), zero padding, and the CRC-32 of the header's first 124 bytes in its last 4. Then
/// <c>rows</c> records of <c>FeatureSize</c> float32 features followed by <c>TargetWidth</c> float32 targets.
/// A file whose header CRC, version or length does not agree is damaged and is rebuilt, never read.
/// </summary>
public static class EncodedCache
{
    /// <summary>The first eight bytes of every cache file.</summary>
    public static ReadOnlySpan<byte> Magic => "DTRNCACH"u8;

    /// <summary>The layout version written; any other is rebuilt.</summary>
    public const int Version = 1;

    /// <summary>Bytes before the first record.</summary>
    public const int HeaderBytes = 128;

    /// <summary>Most feature dimensions a cache header holds.</summary>
    public const int MaxRank = 16;

    /// <summary>What a cache file's header says about its records.</summary>
    /// <param name="Rows">Examples stored.</param>
    /// <param name="Task">The task the targets are for.</param>
    /// <param name="Classes">Classification: the class count; 0 otherwise.</param>
    /// <param name="FeatureShape">The shape of one example.</param>
    /// <param name="StoredTargets">Target floats stored per record (0 for reconstruction).</param>
    public sealed record Header(long Rows, LearningTask Task, int Classes, int[] FeatureShape, int StoredTargets)
    {
        /// <summary>Floats of features per record.</summary>
        public int FeatureSize => FeatureShape.Aggregate(1, (size, d) => size * d);

        /// <summary>Bytes per record.</summary>
        public long RecordBytes => 4L * (FeatureSize + StoredTargets);

        /// <summary>The file length this header promises.</summary>
        public long FileBytes => HeaderBytes + (Rows * RecordBytes);
    }

    /// <summary>The header bytes for <paramref name="header"/>, CRC included.</summary>
    public static byte[] WriteHeader(Header header)
    {
        if (header.FeatureShape.Length is 0 or > MaxRank)
        {
            throw new ArgumentException($"a cache holds feature shapes of rank 1 to {MaxRank}, got [{string.Join(", ", header.FeatureShape)}]", nameof(header));
        }

        var bytes = new byte[HeaderBytes];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], Version);
        BinaryPrimitives.WriteInt64LittleEndian(span[12..], header.Rows);
        BinaryPrimitives.WriteInt32LittleEndian(span[20..], (int)header.Task);
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], header.Classes);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], header.StoredTargets);
        BinaryPrimitives.WriteInt32LittleEndian(span[32..], header.FeatureShape.Length);
        for (var d = 0; d < header.FeatureShape.Length; d++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[(36 + (4 * d))..], header.FeatureShape[d]);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[(HeaderBytes - 4)..], Crc32.HashToUInt32(span[..(HeaderBytes - 4)]));
        return bytes;
    }

    /// <summary>
    /// Reads and checks the header of the cache file at <paramref name="path"/>: the header or the reason the file
    /// cannot be trusted (missing, wrong magic, version or CRC, a length that does not match its rows).
    /// </summary>
    public static (Header? Header, string? Problem) ReadHeader(string path)
    {
        if (!File.Exists(path))
        {
            return (null, "it does not exist");
        }

        var bytes = new byte[HeaderBytes];
        long length;
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            length = RandomAccess.GetLength(handle);
            if (length < HeaderBytes || RandomAccess.Read(handle, bytes, 0) != HeaderBytes)
            {
                return (null, $"it is {length} bytes, shorter than its header");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"it cannot be read: {e.Message}");
        }

        return Parse(bytes, length);
    }

    private static (Header?, string?) Parse(ReadOnlySpan<byte> span, long length)
    {
        if (!span[..8].SequenceEqual(Magic))
        {
            return (null, "it does not start with the cache magic");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(span[(HeaderBytes - 4)..]) != Crc32.HashToUInt32(span[..(HeaderBytes - 4)]))
        {
            return (null, "its header CRC does not match");
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        if (version != Version)
        {
            return (null, $"it is cache version {version}, not {Version}");
        }

        var rows = BinaryPrimitives.ReadInt64LittleEndian(span[12..]);
        var task = BinaryPrimitives.ReadInt32LittleEndian(span[20..]);
        var classes = BinaryPrimitives.ReadInt32LittleEndian(span[24..]);
        var stored = BinaryPrimitives.ReadInt32LittleEndian(span[28..]);
        var rank = BinaryPrimitives.ReadInt32LittleEndian(span[32..]);
        if (rows < 0 || rows > int.MaxValue || task is < 0 or > 2 || classes < 0 || stored < 0 || rank is < 1 or > MaxRank)
        {
            return (null, "its header fields are out of range");
        }

        var shape = new int[rank];
        for (var d = 0; d < rank; d++)
        {
            shape[d] = BinaryPrimitives.ReadInt32LittleEndian(span[(36 + (4 * d))..]);
            if (shape[d] <= 0)
            {
                return (null, "its header fields are out of range");
            }
        }

        var header = new Header(rows, (LearningTask)task, classes, shape, stored);
        return length == header.FileBytes
            ? (header, null)
            : (null, $"it is {length:N0} bytes but its header promises {header.FileBytes:N0} ({rows:N0} rows): truncated or extended");
    }
}
