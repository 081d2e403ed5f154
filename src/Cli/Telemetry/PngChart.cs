// A line chart rasterized to PNG with no imaging library: an RGB pixel grid, deflated with ZLibStream.
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Dtrain.Cli.Telemetry;

/// <summary>Draws (x, y) points as a polyline on a white chart with a frame and grid, and encodes it as PNG.</summary>
public static class PngChart
{
    private const int Width = 640;
    private const int Height = 320;
    private const int Margin = 24;

    /// <summary>The chart as PNG bytes; <paramref name="rgb"/> is the line colour (0xRRGGBB).</summary>
    public static byte[] Line(IReadOnlyList<(double X, double Y)> points, int rgb)
    {
        var pixels = new byte[Width * Height * 3];
        Array.Fill(pixels, (byte)0xFF);
        for (var i = 0; i <= 4; i++)
        {
            var y = Margin + ((Height - (2 * Margin)) * i / 4);
            DrawLine(pixels, Margin, y, Width - Margin, y, 0xE3E7EE);
        }

        DrawLine(pixels, Margin, Margin, Margin, Height - Margin, 0x5B6475);
        DrawLine(pixels, Margin, Height - Margin, Width - Margin, Height - Margin, 0x5B6475);
        if (points.Count > 0)
        {
            var (x0, x1) = Range(points.Select(p => p.X));
            var (y0, y1) = Range(points.Select(p => p.Y));
            int Sx(double x) => Margin + (int)Math.Round((x - x0) / (x1 - x0) * (Width - (2 * Margin)));
            int Sy(double y) => Height - Margin - (int)Math.Round((y - y0) / (y1 - y0) * (Height - (2 * Margin)));
            for (var i = 1; i < points.Count; i++)
            {
                for (var t = -1; t <= 1; t++)
                {
                    // Three pixels thick: one-pixel lines vanish when the image is scaled down.
                    DrawLine(pixels, Sx(points[i - 1].X), Sy(points[i - 1].Y) + t, Sx(points[i].X), Sy(points[i].Y) + t, rgb);
                }
            }

            foreach (var p in points.Count <= 40 ? points : [])
            {
                for (var d = -3; d <= 3; d++)
                {
                    DrawLine(pixels, Sx(p.X) - 3, Sy(p.Y) + d, Sx(p.X) + 3, Sy(p.Y) + d, rgb);
                }
            }
        }

        return Encode(pixels, Width, Height);
    }

    /// <summary>Encodes 8-bit RGB rows as a PNG (filter 0 on every row).</summary>
    public static byte[] Encode(byte[] rgb, int width, int height)
    {
        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (var y = 0; y < height; y++)
            {
                z.WriteByte(0);
                z.Write(rgb, y * width * 3, width * 3);
            }
        }

        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: RGB
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", raw.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        var typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        png.Write(typeBytes);
        png.Write(data);
        var crc = new Crc32();
        crc.Append(typeBytes);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, crc.GetCurrentHashAsUInt32());
        png.Write(word);
    }

    private static (double Low, double High) Range(IEnumerable<double> values)
    {
        var list = values.Where(double.IsFinite).DefaultIfEmpty(0).ToList();
        var (low, high) = (list.Min(), list.Max());
        return high > low ? (low, high) : (low - 1, high + 1);
    }

    // Bresenham: integer steps, clipped to the image.
    private static void DrawLine(byte[] pixels, int x0, int y0, int x1, int y1, int rgb)
    {
        int dx = Math.Abs(x1 - x0), sx = x0 < x1 ? 1 : -1, dy = -Math.Abs(y1 - y0), sy = y0 < y1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            if (x0 is >= 0 and < Width && y0 is >= 0 and < Height)
            {
                var at = ((y0 * Width) + x0) * 3;
                (pixels[at], pixels[at + 1], pixels[at + 2]) = ((byte)(rgb >> 16), (byte)(rgb >> 8), (byte)rgb);
            }

            if (x0 == x1 && y0 == y1)
            {
                return;
            }

            var e2 = 2 * err;
            if (e2 >= dy)
            {
                err += dy;
                x0 += sx;
            }

            if (e2 <= dx)
            {
                err += dx;
                y0 += sy;
            }
        }
    }
}
