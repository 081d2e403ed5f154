// Scratch files for the array and image format tests: NPY bytes written as NumPy writes them, PNGs, and a sink
// that keeps what a format encodes.
using System.Text;
using Dtrain.Models.Data;
using StbImageWriteSharp;

namespace Dtrain.Models.Tests.Data.Formats;

/// <summary>A temp folder deleted after the test, with writers for NPY files and images.</summary>
internal sealed class FormatTestFiles : IDisposable
{
    public FormatTestFiles()
    {
        Folder = Path.Combine(Path.GetTempPath(), $"dtrain-format-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public string PathOf(string name) => Path.Combine(Folder, name);

    /// <summary>An NPY version 1.0 file: magic, header dict padded to 64 bytes with a newline, then <paramref name="data"/>.</summary>
    public static byte[] Npy(string descr, long[] shape, byte[] data, bool fortran = false)
    {
        var dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        var dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': ({dims}), }}";
        int total = 10 + dict.Length + 1;
        dict = dict.PadRight(dict.Length + (64 - total % 64) % 64) + "\n";
        var header = Encoding.ASCII.GetBytes(dict);
        var bytes = new byte[10 + header.Length + data.Length];
        bytes[0] = 0x93;
        "NUMPY"u8.CopyTo(bytes.AsSpan(1));
        bytes[6] = 1;
        BitConverter.TryWriteBytes(bytes.AsSpan(8), (ushort)header.Length);
        header.CopyTo(bytes, 10);
        data.CopyTo(bytes, 10 + header.Length);
        return bytes;
    }

    public static byte[] Floats(params float[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    public static byte[] Longs(params long[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    public string Write(string name, byte[] bytes)
    {
        var path = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Writes a PNG of <paramref name="width"/> x <paramref name="height"/> whose pixel (x, y, c) is <paramref name="pixel"/>(x, y, c).</summary>
    public string Png(string name, int width, int height, bool rgb, Func<int, int, int, byte> pixel)
    {
        int channels = rgb ? 3 : 1;
        var data = new byte[width * height * channels];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < channels; c++)
                {
                    data[(y * width + x) * channels + c] = pixel(x, y, c);
                }
            }
        }

        var path = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = File.Create(path);
        new ImageWriter().WritePng(data, width, height, rgb ? ColorComponents.RedGreenBlue : ColorComponents.Grey, stream);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder does not change the test's result.
        }
    }
}

/// <summary>Keeps every encoded example.</summary>
internal sealed class MemorySink : ExampleSink
{
    public List<float[]> Features { get; } = [];

    public List<float[]> Targets { get; } = [];

    public override void Write(ReadOnlySpan<float> features, ReadOnlySpan<float> targets)
    {
        Features.Add(features.ToArray());
        Targets.Add(targets.ToArray());
    }

    /// <summary>Learns with every row in training, then encodes the same files.</summary>
    public static (DataSchema Schema, MemorySink Sink) LearnAndEncode(IDataFormat format, IReadOnlyList<string> files, DataSpec? spec = null)
    {
        var schema = format.Learn(files, spec ?? new DataSpec(), _ => true);
        var sink = new MemorySink();
        format.Encode(files, schema, sink);
        return (schema, sink);
    }
}
