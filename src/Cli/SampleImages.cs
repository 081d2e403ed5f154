// Generated samples as files: a uint8 IDX image file (MNIST's format, so any MNIST reader and bench/gan-score.py read
// it) and a PNG grid to look at.
using System.Buffers.Binary;
using StbImageWriteSharp;

namespace Dtrain.Cli;

/// <summary>Writes N grayscale H x W samples, given as floats with the values shown black and white.</summary>
public static class SampleImages
{
    /// <summary>IDX magic of unsigned bytes in three dimensions: 0x00 0x00, type 0x08 (ubyte), 3 dimensions.</summary>
    public const int IdxMagic = 0x00000803;

    /// <summary>Pixels between cells of the PNG grid and around it.</summary>
    public const int Gap = 2;

    /// <summary>The samples as bytes: (v - low) / (high - low) clamped to [0, 1], times 255, rounded.</summary>
    public static byte[] ToBytes(ReadOnlySpan<float> samples, float low, float high)
    {
        var bytes = new byte[samples.Length];
        var scale = 1f / (high - low);
        for (var i = 0; i < samples.Length; i++)
        {
            // A NaN (a diverged generator) is shown black rather than failing the whole file.
            var unit = float.IsNaN(samples[i]) ? 0f : Math.Clamp((samples[i] - low) * scale, 0f, 1f);
            bytes[i] = (byte)MathF.Round(unit * 255f);
        }

        return bytes;
    }

    /// <summary>Writes <c>magic, N, H, W</c> (big-endian int32) and the N x H x W bytes.</summary>
    public static void WriteIdx(string path, byte[] pixels, int count, int height, int width)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, IdxMagic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), height);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), width);
        using var file = Create(path);
        file.Write(header);
        file.Write(pixels.AsSpan(0, count * height * width));
    }

    /// <summary>Columns and rows of the grid for <paramref name="count"/> cells: as square as it gets.</summary>
    public static (int Columns, int Rows) Grid(int count)
    {
        var columns = (int)Math.Ceiling(Math.Sqrt(count));
        return (columns, (count + columns - 1) / columns);
    }

    /// <summary>The grid's size in pixels: cells of H x W with <see cref="Gap"/> pixels between and around them.</summary>
    public static (int Width, int Height) GridPixels(int count, int height, int width)
    {
        var (columns, rows) = Grid(count);
        return ((columns * width) + ((columns + 1) * Gap), (rows * height) + ((rows + 1) * Gap));
    }

    /// <summary>Writes the first <paramref name="count"/> samples as a grayscale PNG grid on a dark grey ground.</summary>
    public static void WritePngGrid(string path, byte[] pixels, int count, int height, int width)
    {
        var (columns, _) = Grid(count);
        var (gridWidth, gridHeight) = GridPixels(count, height, width);
        var image = new byte[gridWidth * gridHeight];
        Array.Fill(image, (byte)64);
        for (var n = 0; n < count; n++)
        {
            var (x0, y0) = (Gap + ((n % columns) * (width + Gap)), Gap + ((n / columns) * (height + Gap)));
            for (var y = 0; y < height; y++)
            {
                pixels.AsSpan((n * height * width) + (y * width), width).CopyTo(image.AsSpan(((y0 + y) * gridWidth) + x0));
            }
        }

        using var file = Create(path);
        new ImageWriter().WritePng(image, gridWidth, gridHeight, ColorComponents.Grey, file);
    }

    private static FileStream Create(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        try
        {
            return File.Create(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Models.DtrainException($"{path}: cannot write it: {e.Message}");
        }
    }
}
