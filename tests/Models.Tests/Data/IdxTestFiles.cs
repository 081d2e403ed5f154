// Writes small IDX files (plain or gzip) into a scratch folder that is deleted after the test.
using System.Buffers.Binary;
using System.IO.Compression;

namespace Dtrain.Models.Tests.Data;

/// <summary>A scratch folder for one test, with helpers that write IDX files into it.</summary>
internal sealed class IdxTestFiles : IDisposable
{
    public IdxTestFiles()
    {
        Folder = Path.Combine(Path.GetTempPath(), $"dtrain-idx-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    /// <summary>The bytes of an IDX file: 0x00 0x00 type rank, big-endian uint32 dimensions, then the data.</summary>
    public static byte[] Encode(int[] dimensions, byte[] data, byte type = 0x08)
    {
        var bytes = new byte[4 + 4 * dimensions.Length + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)dimensions.Length;
        for (int d = 0; d < dimensions.Length; d++)
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * d), (uint)dimensions[d]);
        data.CopyTo(bytes, 4 + 4 * dimensions.Length);
        return bytes;
    }

    /// <summary>Writes raw bytes to a file in the folder (gzip-compressed if the name ends in .gz) and returns its path.</summary>
    public string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(Folder, name);
        if (name.EndsWith(".gz", StringComparison.Ordinal))
        {
            using var file = File.Create(path);
            using var gzip = new GZipStream(file, CompressionLevel.Fastest);
            gzip.Write(bytes);
        }
        else
        {
            File.WriteAllBytes(path, bytes);
        }
        return path;
    }

    /// <summary>Writes an images file (count, rows, cols) and a labels file (count) for a tiny split.</summary>
    public (string Images, string Labels) WriteSplit(string images, string labels, byte[] pixels, byte[] classIds, int rows, int cols)
    {
        int count = pixels.Length / (rows * cols);
        return (Write(images, Encode([count, rows, cols], pixels)), Write(labels, Encode([classIds.Length], classIds)));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder does not affect the test's result.
        }
    }
}
