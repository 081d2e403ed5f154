// A data path as users write it (a file, a folder of shards, a glob) turned into the files to read, in order.
using Microsoft.Extensions.FileSystemGlobbing;

namespace Dtrain.Models.Data;

/// <summary>Expands data paths.</summary>
public static class DataFiles
{
    /// <summary>
    /// The files <paramref name="path"/> names: itself when a file; the files of a folder whose extension (after
    /// <c>.gz</c>) is one of <paramref name="extensions"/>, sorted by name; the matches of a glob (<c>*</c>, <c>?</c>,
    /// <c>**</c>), sorted. No file is an error naming the path.
    /// </summary>
    public static IReadOnlyList<string> Expand(string path, IReadOnlyList<string> extensions)
    {
        if (File.Exists(path))
        {
            return [path];
        }

        if (Directory.Exists(path))
        {
            var files = Directory.EnumerateFiles(path)
                .Where(f => !Path.GetFileName(f).StartsWith('.') && extensions.Contains(Path.GetExtension(StripGz(f)), StringComparer.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .ToList();
            return files.Count > 0
                ? files
                : throw new DtrainException($"{path}: the folder holds no data file ({string.Join(", ", extensions)}, optionally .gz)");
        }

        if (path.IndexOfAny(['*', '?']) >= 0)
        {
            var root = Path.GetDirectoryName(path.Split('*', '?')[0]) is { Length: > 0 } r ? r : ".";
            var matcher = new Matcher(StringComparison.Ordinal);
            matcher.AddInclude(Path.GetRelativePath(root, path));
            var matches = matcher.GetResultsInFullPath(root).Order(StringComparer.Ordinal).ToList();
            return matches.Count > 0 ? matches : throw new DtrainException($"{path}: the pattern matches no file");
        }

        throw new DtrainException($"{path}: no such file or folder");
    }

    private static string StripGz(string f) => f.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? f[..^3] : f;
}
