// A tiny PNG reader for the tests: 8-bit RGB/RGBA, non-interlaced (what Chromium and dtrain write), all five filters.
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Dtrain.Cli.Tests.Telemetry;

/// <summary>Decoded pixels as 0xRRGGBB per pixel.</summary>
public sealed class PngImage(int width, int height, int[] rgb)
{
    /// <summary>Width in pixels.</summary>
    public int Width { get; } = width;

    /// <summary>Height in pixels.</summary>
    public int Height { get; } = height;

    /// <summary>Pixels, row-major, 0xRRGGBB.</summary>
    public int[] Rgb { get; } = rgb;

    /// <summary>Number of distinct colours.</summary>
    public int DistinctColours => Rgb.Distinct().Count();

    /// <summary>Pixels within <paramref name="tolerance"/> per channel of <paramref name="colour"/>.</summary>
    public int CountNear(int colour, int tolerance = 24) => Rgb.Count(p =>
        Math.Abs(((p >> 16) & 0xFF) - ((colour >> 16) & 0xFF)) <= tolerance &&
        Math.Abs(((p >> 8) & 0xFF) - ((colour >> 8) & 0xFF)) <= tolerance &&
        Math.Abs((p & 0xFF) - (colour & 0xFF)) <= tolerance);

    /// <summary>Decodes a PNG file's bytes.</summary>
    public static PngImage Decode(byte[] png)
    {
        if (png.Length < 8 || png[0] != 0x89 || png[1] != (byte)'P')
        {
            throw new InvalidDataException("not a PNG");
        }

        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (var at = 8; at + 8 <= png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                if (data[8] != 8 || data[12] != 0)
                {
                    throw new InvalidDataException($"only 8-bit non-interlaced PNGs are read (bit depth {data[8]}, interlace {data[12]})");
                }

                channels = data[9] switch
                {
                    2 => 3,
                    6 => 4,
                    var t => throw new InvalidDataException($"colour type {t} is not read"),
                };
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }

            at += 12 + length;
        }

        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        var stride = width * channels;
        var previous = new byte[stride];
        var row = new byte[stride];
        var pixels = new int[width * height];
        for (var y = 0; y < height; y++)
        {
            var filter = z.ReadByte();
            z.ReadExactly(row);
            Unfilter(filter, row, previous, channels);
            for (var x = 0; x < width; x++)
            {
                var i = x * channels;
                pixels[(y * width) + x] = (row[i] << 16) | (row[i + 1] << 8) | row[i + 2];
            }

            (previous, row) = (row, previous);
        }

        return new PngImage(width, height, pixels);
    }

    private static void Unfilter(int filter, byte[] row, byte[] up, int bpp)
    {
        for (var i = 0; i < row.Length; i++)
        {
            int a = i >= bpp ? row[i - bpp] : 0, b = up[i], c = i >= bpp ? up[i - bpp] : 0;
            row[i] = (byte)(row[i] + filter switch
            {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                4 => Paeth(a, b, c),
                _ => throw new InvalidDataException($"unknown PNG filter {filter}"),
            });
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
