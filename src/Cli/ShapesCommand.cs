// dtrain data shapes OUT_DIR: writes a small synthetic image-folder data set (PNG files of coloured shapes in
// train/CLASS and test/CLASS) to try image training end to end without downloading anything.
using Dtrain.Models.Data;
using StbImageWriteSharp;

namespace Dtrain.Cli;

/// <summary>The <c>data shapes</c> subcommand.</summary>
public static class ShapesCommand
{
    /// <summary>Writes <c>--count</c> training images per class (default 1000) and a quarter as many test images, of <c>--size</c> pixels (default 32).</summary>
    public static int Run(CommandLine cl)
    {
        var count = cl.Int("--count") ?? 1000;
        var size = cl.Int("--size") ?? 32;
        var seed = cl.Int("--seed") ?? 1;
        cl.RejectUnknown();
        var output = cl.Single("output folder");
        if (count is < 1 or > 100_000)
        {
            throw new UsageException($"--count must be in [1, 100000], got {count}");
        }

        if (size is < 8 or > 512)
        {
            throw new UsageException($"--size must be in [8, 512], got {size}");
        }

        var random = new Random(seed);
        var writer = new ImageWriter();
        foreach (var (split, perClass) in new[] { ("train", count), ("test", Math.Max(1, count / 4)) })
        {
            foreach (var shape in SyntheticShapes.Classes)
            {
                var folder = Path.Combine(output, split, shape);
                Directory.CreateDirectory(folder);
                for (int i = 0; i < perClass; i++)
                {
                    var pixels = SyntheticShapes.Draw(shape, size, random);
                    using var file = File.Create(Path.Combine(folder, $"{i:D5}.png"));
                    writer.WritePng(pixels, size, size, ColorComponents.RedGreenBlue, file);
                }
            }
        }

        Console.WriteLine($"shapes: {count * SyntheticShapes.Classes.Count} training and {Math.Max(1, count / 4) * SyntheticShapes.Classes.Count} test images of {size}x{size} ({string.Join(", ", SyntheticShapes.Classes)})");
        Console.WriteLine($"train with: dtrain train examples/shapes-cnn.json --train {Path.Combine(output, "train")} --test {Path.Combine(output, "test")}");
        return 0;
    }
}
