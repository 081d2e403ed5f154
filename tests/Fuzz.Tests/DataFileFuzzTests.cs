// Seeded fuzzing of IDX data files (MNIST's format): headers of any type, rank and dimensions, over data that may
// be shorter or longer than they declare, plain or gzip. Each is read in full or refused in one line, and a
// header that declares gigabytes over a few bytes never costs gigabytes.
using System.Buffers.Binary;
using System.IO.Compression;
using CsCheck;
using Dtrain.Models.Data;

namespace Dtrain.Fuzz.Tests;

public sealed class DataFileFuzzTests : IDisposable
{
    /// <summary>Dimensions a crafted header declares: empty, MNIST's own, past int, past uint's half.</summary>
    private static readonly uint[] Dimensions = [0, 1, 2, 3, 28, 255, 10_000, 60_000, 65_536, 2_147_483_647, 2_147_483_648, 4_000_000_000, uint.MaxValue];

    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-idx-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Crafted_idx_files_are_read_whole_or_refused_in_one_line()
    {
        var header = Gen.Select(Gen.Int[0, 6], Gen.Int[0, 5], Gen.Int[0, Dimensions.Length - 1].Array[6]);
        var cases = Gen.Select(header, Gen.Int[-8, 4096], Gen.Bool, Gen.Int[0, 3]);
        cases.Sample(
            (h, extra, gzip, typeChoice) =>
            {
                var (rankChoice, magicChoice, dims) = h;
                var rank = rankChoice == 6 ? 255 : rankChoice;
                var declared = dims.Take(Math.Min(rank, 6)).Select(d => Dimensions[d]).ToArray();
                var size = declared.Aggregate(1L, (a, d) => Math.Min(a * d, 1L << 40));

                // The data: what the header declares when small, give or take; else a few bytes only.
                var length = (int)Math.Clamp(size <= 1 << 16 ? size + extra : Math.Abs(extra), 0, 1 << 17);
                var bytes = new byte[4 + (4 * declared.Length) + length];
                bytes[0] = magicChoice == 5 ? (byte)1 : (byte)0;
                bytes[2] = typeChoice == 0 ? (byte)0x0D : IdxReader.UnsignedByteType;
                bytes[3] = (byte)rank;
                for (var d = 0; d < declared.Length; d++)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + (4 * d)), declared[d]);
                }

                var path = Write(gzip, bytes);
                var describe = () => $"rank {rank}, dims ({string.Join(", ", declared)}), {length} data bytes, gzip {gzip}";
                IdxArray? read = null;
                if (RefusalCheck.AcceptedOrRefusedInOneLine(() => read = IdxReader.Read(path), describe) is null)
                {
                    Assert.Equal(size, read!.Data.LongLength);
                    Assert.Equal(declared.Select(d => (int)d), read.Dimensions);
                }
            },
            seed: FuzzBudget.Seed,
            iter: FuzzBudget.Iterations,
            threads: 1);
    }

    [Fact]
    public void Crafted_mnist_splits_load_or_are_refused_in_one_line()
    {
        var dims = Gen.Int[0, 4];
        Gen.Select(dims, dims, dims, Gen.Int[0, 4], Gen.Byte).Sample(
            (count, rows, cols, labels, maxLabel) =>
            {
                var images = Idx([(uint)count, (uint)rows, (uint)cols], new byte[count * rows * cols]);
                var labelBytes = Enumerable.Range(0, labels).Select(i => (byte)(i == 0 ? maxLabel : 0)).ToArray();
                var (imagesPath, labelsPath) = (Write(false, images), Write(false, Idx([(uint)labels], labelBytes)));
                Dataset? split = null;
                if (RefusalCheck.AcceptedOrRefusedInOneLine(() => split = Mnist.LoadSplit("fuzz", imagesPath, labelsPath), () => $"{count} images of {rows}x{cols}, {labels} labels (first {maxLabel})") is null)
                {
                    Assert.True(split!.Count > 0 && split.FeatureSize > 0);
                }
            },
            seed: FuzzBudget.Seed,
            iter: FuzzBudget.Iterations,
            threads: 1);
    }

    private static byte[] Idx(uint[] dims, byte[] data)
    {
        var bytes = new byte[4 + (4 * dims.Length) + data.Length];
        (bytes[2], bytes[3]) = (IdxReader.UnsignedByteType, (byte)dims.Length);
        for (var d = 0; d < dims.Length; d++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + (4 * d)), dims[d]);
        }

        data.CopyTo(bytes, 4 + (4 * dims.Length));
        return bytes;
    }

    private string Write(bool gzip, byte[] bytes)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}{(gzip ? ".gz" : "")}");
        if (gzip)
        {
            using var file = File.Create(path);
            using var zip = new GZipStream(file, CompressionLevel.Fastest);
            zip.Write(bytes);
        }
        else
        {
            File.WriteAllBytes(path, bytes);
        }

        return path;
    }
}
