// Which files of an array data set hold features and which hold their labels: the labels file named in
// training.data.label, or found beside each features file by name (x.npy -> y.npy; images -> labels).
namespace Dtrain.Models.Data.Formats;

/// <summary>Pairs array features files with labels files for the NPY and IDX formats.</summary>
public static class ArrayFiles
{
    /// <summary>
    /// The features files of <paramref name="files"/> with their labels files: a file that is another's labels file
    /// (by name, or as <paramref name="labelFiles"/> or <paramref name="label"/> names it) is not a features file.
    /// </summary>
    /// <param name="files">The files the data path expanded to.</param>
    /// <param name="label">Learning only: <c>training.data.label</c>, the labels file for a single features file; null otherwise.</param>
    /// <param name="labelFiles">Encoding only: the schema's recorded labels files by features file.</param>
    public static IReadOnlyList<(string Features, string? Labels)> Pair(IReadOnlyList<string> files, string? label, IReadOnlyDictionary<string, string>? labelFiles)
    {
        var named = new HashSet<string>(labelFiles?.Values ?? [], StringComparer.Ordinal);
        if (label is not null)
        {
            if (!File.Exists(label))
            {
                throw new DtrainException($"{label}: training.data.label names the labels file for array data, and no such file exists");
            }

            named.Add(Path.GetFullPath(label));
        }

        var all = files.Select(Path.GetFullPath).ToHashSet(StringComparer.Ordinal);
        var companions = files.Select(f => CompanionLabels.Find(f)).Where(c => c is not null).Select(c => Path.GetFullPath(c!)).ToHashSet(StringComparer.Ordinal);
        var features = files.Where(f => !named.Contains(Path.GetFullPath(f)) && !(companions.Contains(Path.GetFullPath(f)) && all.Contains(Path.GetFullPath(f)))).ToList();
        if (features.Count == 0)
        {
            throw new DtrainException($"{files[0]}: every file here is a labels file; name the features file (or files) as the data path");
        }

        if (label is not null && features.Count > 1)
        {
            throw new DtrainException($"{label}: training.data.label names one labels file, but the data path holds {features.Count} features files; name them so each finds its own (x.npy -> y.npy)");
        }

        return features.Select(f => (f, label ?? (labelFiles?.TryGetValue(Path.GetFullPath(f), out var l) == true ? l : CompanionLabels.Find(f)))).ToList();
    }

    /// <summary>
    /// <paramref name="files"/> followed by the labels file found beside each by name, so the files a data set is
    /// read from (and the encoded cache's key of their sizes and times) include its labels; <see cref="Pair"/> sets them apart again.
    /// </summary>
    public static IReadOnlyList<string> WithCompanions(IReadOnlyList<string> files) =>
        files.Concat(files.Select(CompanionLabels.Find).Where(c => c is not null).Select(c => c!)).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The labels files named in <c>training.data.label</c>, by full features path, as the schema records them.</summary>
    public static IReadOnlyDictionary<string, string>? Named(IReadOnlyList<(string Features, string? Labels)> pairs, string? label) =>
        label is null ? null : pairs.ToDictionary(p => Path.GetFullPath(p.Features), _ => Path.GetFullPath(label), StringComparer.Ordinal);
}
