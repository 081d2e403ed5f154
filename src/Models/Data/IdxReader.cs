// Reads IDX files, the format MNIST ships in: a big-endian header (0x00 0x00 type ndims, then one
// uint32 per dimension) followed by the data. Files ending in .gz are decompressed on the fly.
using System.Buffers.Binary;
using System.IO.Compression;

namespace Dtrain.Models.Data;

/// <summary>The contents of an unsigned-byte IDX file: its dimensions and its data, row-major.</summary>
/// <param name="Dimensions">The dimensions from the header, such as (60000, 28, 28).</param>
/// <param name="Data">The values, as many as the product of the dimensions.</param>
public sealed record IdxArray(int[] Dimensions, byte[] Data);

/// <summary>Reads unsigned-byte IDX files; every error is a <see cref="DtrainException"/> naming the file.</summary>
public static class IdxReader
{
    /// <summary>The IDX type code for unsigned bytes, the only type MNIST uses.</summary>
    public const byte UnsignedByteType = 0x08;

    /// <summary>
    /// Reads an unsigned-byte IDX file (gzip-compressed if its name ends in <c>.gz</c>), checking that it
    /// has <paramref name="expectedDimensions"/> dimensions when that is given.
    /// </summary>
    public static IdxArray Read(string path, int? expectedDimensions = null)
    {
        if (!File.Exists(path))
            throw new DtrainException($"IDX file '{path}' does not exist.");

        try
        {
            using var file = File.OpenRead(path);
            using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
                ? new GZipStream(file, CompressionMode.Decompress)
                : file;
            return Read(stream, path, expectedDimensions);
        }
        catch (InvalidDataException e)
        {
            // GZipStream reports a corrupt or non-gzip stream this way.
            throw new DtrainException($"IDX file '{path}' is not valid gzip data: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new DtrainException($"IDX file '{path}' could not be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// Reads the declared <paramref name="size"/> bytes. A compressed stream's length is unknown, so its buffer grows
    /// with what actually arrives: a small file declaring gigabytes costs no more memory than it holds.
    /// </summary>
    private static byte[] ReadData(Stream stream, long size, string path, int[] dimensions)
    {
        const int Step = 1 << 24;
        var data = new byte[Math.Min(size, stream.CanSeek ? size : Step)];
        long read = 0;
        while (read < size)
        {
            if (read == data.Length)
                Array.Resize(ref data, (int)Math.Min(size, (long)data.Length * 2));
            int n = stream.Read(data, (int)read, (int)Math.Min(data.Length - read, int.MaxValue));
            if (n == 0)
                throw new DtrainException(
                    $"IDX file '{path}' is truncated: the header declares ({string.Join(", ", dimensions)}) = {size} bytes of data but only {read} follow.");
            read += n;
        }

        return data;
    }

    private static IdxArray Read(Stream stream, string path, int? expectedDimensions)
    {
        Span<byte> magic = stackalloc byte[4];
        if (stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) < magic.Length)
            throw new DtrainException($"IDX file '{path}' is truncated: it ends inside the 4-byte magic number.");
        if (magic[0] != 0 || magic[1] != 0)
            throw new DtrainException(
                $"IDX file '{path}' has a bad magic number 0x{magic[0]:X2}{magic[1]:X2}{magic[2]:X2}{magic[3]:X2}: an IDX file starts with two zero bytes.");
        if (magic[2] != UnsignedByteType)
            throw new DtrainException(
                $"IDX file '{path}' has data type 0x{magic[2]:X2}; only unsigned bytes (0x{UnsignedByteType:X2}) are supported.");

        int rank = magic[3];
        if (rank == 0)
            throw new DtrainException($"IDX file '{path}' declares zero dimensions.");
        if (expectedDimensions is int expected && rank != expected)
            throw new DtrainException($"IDX file '{path}' has {rank} dimensions; expected {expected}.");

        Span<byte> header = stackalloc byte[4 * rank];
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
            throw new DtrainException($"IDX file '{path}' is truncated: it ends inside the header of {rank} dimensions.");

        // The header is not trusted: every dimension and their product are checked (in long, so a zero dimension
        // cannot hide a huge one) before anything is allocated.
        var dimensions = new int[rank];
        long size = 1;
        for (int d = 0; d < rank; d++)
        {
            uint dimension = BinaryPrimitives.ReadUInt32BigEndian(header.Slice(4 * d, 4));
            if (dimension > Array.MaxLength)
                throw new DtrainException($"IDX file '{path}' declares dimension {d + 1} as {dimension}, more than fit in memory as one array.");
            dimensions[d] = (int)dimension;
            size = Math.Min(size * dimension, (long)Array.MaxLength + 1);
        }

        if (size > Array.MaxLength)
            throw new DtrainException($"IDX file '{path}' declares ({string.Join(", ", dimensions)}), more than the {Array.MaxLength} values that fit in memory as one array.");

        // A plain file's length is known: a header that does not describe it is refused before its data is allocated.
        if (stream.CanSeek && stream.Length - stream.Position != size)
        {
            var follow = stream.Length - stream.Position;
            throw new DtrainException(follow < size
                ? $"IDX file '{path}' is truncated: the header declares ({string.Join(", ", dimensions)}) = {size} bytes of data but only {follow} follow."
                : $"IDX file '{path}' has data past the {size} bytes its header ({string.Join(", ", dimensions)}) declares.");
        }

        var data = ReadData(stream, size, path, dimensions);

        // Extra bytes mean the header does not describe the file, so the data cannot be trusted.
        if (stream.ReadByte() >= 0)
            throw new DtrainException(
                $"IDX file '{path}' has data past the {size} bytes its header ({string.Join(", ", dimensions)}) declares.");

        return new IdxArray(dimensions, data);
    }
}
