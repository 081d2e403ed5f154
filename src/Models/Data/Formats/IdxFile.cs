// Opens IDX arrays of any element type and rank (MNIST's format: 0x00 0x00 type rank, big-endian uint32
// dimensions, then big-endian data) as a streaming TensorReader; .gz files are decompressed on the fly.
using System.Buffers.Binary;

namespace Dtrain.Models.Data.Formats;

/// <summary>Reads IDX headers of every type the format defines.</summary>
public static class IdxFile
{
    /// <summary>Opens <paramref name="path"/>, checking the magic number and that the dimensions describe the file.</summary>
    public static TensorReader Open(string path)
    {
        var stream = TensorReader.OpenFile(path);

        try
        {
            var (element, shape) = ReadHeader(stream, path);
            return new TensorReader(stream, path, element, bigEndian: true, shape);
        }
        catch (InvalidDataException e)
        {
            stream.Dispose();
            throw new DtrainException($"{path}: not valid gzip data: {e.Message}", e);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static (TensorElement Element, long[] Shape) ReadHeader(Stream stream, string path)
    {
        Span<byte> magic = stackalloc byte[4];
        if (stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4)
        {
            throw new DtrainException($"{path}: the IDX file is truncated: it ends inside the 4-byte magic number");
        }

        if (magic[0] != 0 || magic[1] != 0)
        {
            throw new DtrainException($"{path}: bad IDX magic number 0x{magic[0]:X2}{magic[1]:X2}{magic[2]:X2}{magic[3]:X2}: an IDX file starts with two zero bytes");
        }

        var element = magic[2] switch
        {
            0x08 => TensorElement.UInt8,
            0x09 => TensorElement.Int8,
            0x0B => TensorElement.Int16,
            0x0C => TensorElement.Int32,
            0x0D => TensorElement.Float32,
            0x0E => TensorElement.Float64,
            _ => throw new DtrainException($"{path}: bad IDX magic number 0x{magic[0]:X2}{magic[1]:X2}{magic[2]:X2}{magic[3]:X2}: type 0x{magic[2]:X2} is not an IDX type (0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E)"),
        };
        int rank = magic[3];
        if (rank == 0)
        {
            throw new DtrainException($"{path}: the IDX header declares zero dimensions");
        }

        Span<byte> header = stackalloc byte[4 * rank];
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
        {
            throw new DtrainException($"{path}: the IDX file is truncated: it ends inside the header of {rank} dimensions");
        }

        var shape = new long[rank];
        for (int d = 0; d < rank; d++)
        {
            shape[d] = BinaryPrimitives.ReadUInt32BigEndian(header[(4 * d)..]);
        }

        return (element, shape);
    }
}
