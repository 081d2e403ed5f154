// A small synthetic image set for trying the image-folder format end to end: coloured shapes of random colour,
// position and size on noisy backgrounds, one class per shape, drawn from a seed so a set can be made again exactly.
namespace Dtrain.Models.Data;

/// <summary>Draws the images <c>dtrain data shapes</c> writes.</summary>
public static class SyntheticShapes
{
    /// <summary>The classes, one per shape, in sorted order (as the image-folder format orders class folders).</summary>
    public static IReadOnlyList<string> Classes { get; } = ["circle", "cross", "square", "triangle"];

    /// <summary>
    /// Draws one <paramref name="size"/> x <paramref name="size"/> RGB image (H, W, 3 bytes) of <paramref name="shape"/>
    /// (one of <see cref="Classes"/>): a random background colour with per-pixel noise, and the shape in a colour
    /// that contrasts with it, at a random centre and radius that keep it inside the image.
    /// </summary>
    public static byte[] Draw(string shape, int size, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 8);
        var background = Colour(random);
        byte[] ink;
        do
        {
            ink = Colour(random);
        }
        while (Math.Abs(ink[0] - background[0]) + Math.Abs(ink[1] - background[1]) + Math.Abs(ink[2] - background[2]) < 180);

        double radius = size * (0.18 + 0.17 * random.NextDouble());
        double cx = radius + random.NextDouble() * (size - 2 * radius);
        double cy = radius + random.NextDouble() * (size - 2 * radius);
        var pixels = new byte[size * size * 3];
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                bool inside = Inside(shape, (x + 0.5 - cx) / radius, (y + 0.5 - cy) / radius);
                for (int c = 0; c < 3; c++)
                {
                    int noise = random.Next(-24, 25);
                    pixels[(y * size + x) * 3 + c] = (byte)Math.Clamp((inside ? ink[c] : background[c]) + noise, 0, 255);
                }
            }
        }

        return pixels;
    }

    /// <summary>Whether the point (u, v), in units of the radius from the centre, is inside the shape.</summary>
    private static bool Inside(string shape, double u, double v) => shape switch
    {
        "circle" => u * u + v * v <= 1,
        "square" => Math.Abs(u) <= 0.8 && Math.Abs(v) <= 0.8,
        "cross" => (Math.Abs(u) <= 0.3 && Math.Abs(v) <= 1) || (Math.Abs(v) <= 0.3 && Math.Abs(u) <= 1),

        // An upward triangle with its apex at v = -1 and its base at v = 0.8, as wide as it is tall.
        "triangle" => v is >= -1 and <= 0.8 && Math.Abs(u) <= (v + 1) / 1.8,
        _ => throw new ArgumentException($"unknown shape '{shape}'; known: {string.Join(", ", Classes)}", nameof(shape)),
    };

    private static byte[] Colour(Random random) => [(byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)];
}
