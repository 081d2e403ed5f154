// The formats dtrain reads, and which one a path means.
namespace Dtrain.Models.Data;

/// <summary>The registry of <see cref="IDataFormat"/>s, found by name or by file extension.</summary>
public static class DataFormats
{
    /// <summary>Every format name users may write, including those not yet backed by an <see cref="IDataFormat"/>.</summary>
    public static readonly string[] KnownNames = ["csv", "tsv", "npy", "npz", "idx", "parquet", "images", "mnist"];

    /// <summary>The formats implemented, each registered here once.</summary>
    public static IReadOnlyList<IDataFormat> All { get; } = [new Formats.CsvFormat(), new Formats.TsvFormat(), new Formats.ParquetFormat(), new Formats.NpyFormat(), new Formats.NpzFormat(), new Formats.IdxFormat(), new Formats.ImageFolderFormat()];

    /// <summary>
    /// The format for <paramref name="path"/>: <paramref name="format"/> when given, else the one whose extension the
    /// path has (after stripping <c>.gz</c>); a folder with class sub-folders is <c>images</c>.
    /// </summary>
    public static IDataFormat For(string path, string? format)
    {
        if (format is not null)
        {
            return All.FirstOrDefault(f => f.Name == format)
                ?? throw new DtrainException($"{path}: format '{format}' is not supported; supported: {string.Join(", ", All.Select(f => f.Name))}");
        }

        var name = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path[..^3] : path;
        var extension = Path.GetExtension(name);
        var byExtension = All.FirstOrDefault(f => f.Extensions.Contains(extension, StringComparer.OrdinalIgnoreCase));
        if (byExtension is not null)
        {
            return byExtension;
        }

        // MNIST's names carry no extension (train-images-idx3-ubyte), and its folder of four files is one data set.
        if (Formats.IdxFormat.IsIdxName(path) || Formats.IdxFormat.IsMnistFolder(path))
        {
            return All.First(f => f.Name == "idx");
        }

        if (Directory.Exists(path))
        {
            // A folder of shards takes the format of its first file; a folder of class folders is images.
            var first = Directory.EnumerateFiles(path).Order(StringComparer.Ordinal).FirstOrDefault(f => !Path.GetFileName(f).StartsWith('.'));
            if (first is not null && !first.Equals(path, StringComparison.Ordinal) && All.Any(f => f.Extensions.Contains(Path.GetExtension(first.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? first[..^3] : first), StringComparer.OrdinalIgnoreCase)))
            {
                return For(first, null);
            }

            if (Directory.EnumerateDirectories(path).Any() && All.FirstOrDefault(f => f.Name == "images") is { } images)
            {
                return images;
            }
        }

        throw new DtrainException($"{path}: cannot tell the data format from the name; set training.data.format (or --format) to one of {string.Join(", ", KnownNames)}");
    }
}
