// Finds the labels file that belongs to a features file by its name, so a test or shard file brings its own labels
// without a setting: x.npy -> y.npy, X_train.npy -> y_train.npy, train-images-idx3-ubyte -> train-labels-idx1-ubyte.
using System.Text.RegularExpressions;

namespace Dtrain.Models.Data.Formats;

/// <summary>The naming convention that pairs a features file with its labels file.</summary>
public static partial class CompanionLabels
{
    /// <summary>
    /// The labels file beside <paramref name="featuresPath"/>, or null when none exists. The name's words (split at
    /// <c>-</c>, <c>_</c> and <c>.</c>) are rewritten: <c>x</c>/<c>X</c> becomes <c>y</c>/<c>Y</c>; <c>features</c>,
    /// <c>images</c>, <c>inputs</c> or <c>data</c> becomes <c>labels</c> or <c>targets</c>; <c>idxN</c> becomes
    /// <c>idx1</c>. The same name with or without <c>.gz</c> is accepted.
    /// </summary>
    public static string? Find(string featuresPath) => Candidates(featuresPath).FirstOrDefault(File.Exists);

    /// <summary>The names <see cref="Find"/> tries, in order (for the error that says where labels were looked for).</summary>
    public static IReadOnlyList<string> Candidates(string featuresPath)
    {
        var folder = Path.GetDirectoryName(featuresPath) ?? "";
        var name = Path.GetFileName(featuresPath);
        var gz = name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        if (gz)
        {
            name = name[..^3];
        }

        var extension = name.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) ? name[^4..] : "";
        var stem = name[..^extension.Length];
        var tokens = Separators().Split(stem);
        var result = new List<string>();
        foreach (var word in (string[])["y", "Y", "labels", "targets"])
        {
            bool changed = false;
            var renamed = tokens.Select(t =>
            {
                var replaced = t switch
                {
                    "x" or "X" when word is "y" or "Y" => word,
                    "features" or "images" or "inputs" or "data" when word is "labels" or "targets" => word,
                    _ when IdxRank().IsMatch(t) && t != "idx1" => "idx1",
                    _ => t,
                };
                changed |= replaced != t && !IdxRank().IsMatch(t);
                return replaced;
            });
            var candidate = string.Concat(renamed) + extension;
            if (changed)
            {
                foreach (var path in (string[])[Path.Combine(folder, candidate), Path.Combine(folder, candidate + ".gz")])
                {
                    if (!result.Contains(path) && !string.Equals(path, featuresPath, StringComparison.Ordinal))
                    {
                        result.Add(path);
                    }
                }
            }
        }

        return result;
    }

    [GeneratedRegex("([-_.])")]
    private static partial Regex Separators();

    [GeneratedRegex("^idx[0-9]$")]
    private static partial Regex IdxRank();
}
