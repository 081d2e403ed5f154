// IDX arrays of any shape, type and class count (MNIST, Fashion-MNIST, EMNIST, ...): an images file with its labels
// file beside it (train-images-idx3-ubyte -> train-labels-idx1-ubyte) or named in training.data.label, or a folder
// holding the four MNIST-named files (train-* for training, t10k-* for test).
using System.Text.RegularExpressions;

namespace Dtrain.Models.Data.Formats;

/// <summary>The <c>idx</c> format. Unsigned bytes are scaled to [0, 1] exactly as <see cref="Mnist"/> scales them.</summary>
public sealed partial class IdxFormat : IDataFormat
{
    /// <inheritdoc/>
    public string Name => "idx";

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".idx", ".idx1-ubyte", ".idx2-ubyte", ".idx3-ubyte", ".idx4-ubyte"];

    /// <summary>Whether <paramref name="path"/>'s name (less <c>.gz</c>) is an IDX name such as <c>train-images-idx3-ubyte</c>.</summary>
    public static bool IsIdxName(string path) => IdxName().IsMatch(Path.GetFileName(path));

    /// <summary>Whether <paramref name="path"/> is a folder holding MNIST's four file names (plain or .gz).</summary>
    public static bool IsMnistFolder(string path) =>
        Directory.Exists(path) && Mnist.FileNames.All(f => File.Exists(Path.Combine(path, f)) || File.Exists(Path.Combine(path, f + ".gz")));

    /// <inheritdoc/>
    public IReadOnlyList<string> Expand(string path, bool test) => ArrayFiles.WithCompanions(ImagesFiles(path, test));

    private IReadOnlyList<string> ImagesFiles(string path, bool test)
    {
        if (IsMnistFolder(path))
        {
            var name = test ? Mnist.TestImages : Mnist.TrainImages;
            var plain = Path.Combine(path, name);
            return [File.Exists(plain) ? plain : plain + ".gz"];
        }

        if (Directory.Exists(path))
        {
            var files = Directory.EnumerateFiles(path).Where(f => IsIdxName(f) || Extensions.Contains(Path.GetExtension(StripGz(f)), StringComparer.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();
            return files.Count > 0 ? files : throw new DtrainException($"{path}: the folder holds no IDX file");
        }

        return DataFiles.Expand(path, Extensions);
    }

    /// <inheritdoc/>
    public DataSchema Learn(IReadOnlyList<string> files, DataSpec spec, Func<long, bool> inTraining)
    {
        var pairs = ArrayFiles.Pair(Resolve(files, test: false), spec.Label, null);
        return ArrayEncoding.Learn(Name, Open(pairs), spec, inTraining, ArrayFiles.Named(pairs, spec.Label));
    }

    /// <inheritdoc/>
    public void Encode(IReadOnlyList<string> files, DataSchema schema, ExampleSink sink) =>
        ArrayEncoding.Encode(Open(ArrayFiles.Pair(Resolve(files, test: false), null, schema.LabelFiles)), schema, sink);

    /// <inheritdoc/>
    public DataInspection Inspect(IReadOnlyList<string> files, DataSpec spec) => ArrayInspection.Inspect(this, files, spec);

    /// <summary>A folder in the list stands for its files (its training pair when it is an MNIST folder).</summary>
    private IReadOnlyList<string> Resolve(IReadOnlyList<string> files, bool test) =>
        files.SelectMany(f => Directory.Exists(f) ? ImagesFiles(f, test) : [f]).ToList();

    private static IEnumerable<Func<ArrayPair>> Open(IReadOnlyList<(string Features, string? Labels)> pairs) =>
        pairs.Select(p => (Func<ArrayPair>)(() =>
        {
            var features = IdxFile.Open(p.Features);
            try
            {
                return new ArrayPair(features, p.Labels is null ? null : IdxFile.Open(p.Labels));
            }
            catch
            {
                features.Dispose();
                throw;
            }
        }));

    private static string StripGz(string f) => f.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? f[..^3] : f;

    [GeneratedRegex(@"[-_.]idx[0-9]-ubyte(\.gz)?$", RegexOptions.IgnoreCase)]
    private static partial Regex IdxName();
}
