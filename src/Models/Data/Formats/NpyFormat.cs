// NumPy .npy arrays: a features file (first axis = examples) and a labels file beside it (x.npy -> y.npy) or named
// in training.data.label; uint8 features are scaled to [0, 1], other types read as they are.
namespace Dtrain.Models.Data.Formats;

/// <summary>The <c>npy</c> format.</summary>
public sealed class NpyFormat : IDataFormat
{
    /// <inheritdoc/>
    public string Name => "npy";

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".npy"];

    /// <summary>The features files and the labels file beside each (so the cache key covers the labels too).</summary>
    public IReadOnlyList<string> Expand(string path, bool test) => ArrayFiles.WithCompanions(DataFiles.Expand(path, Extensions));

    /// <inheritdoc/>
    public DataSchema Learn(IReadOnlyList<string> files, DataSpec spec, Func<long, bool> inTraining)
    {
        var pairs = ArrayFiles.Pair(files, spec.Label, null);
        return ArrayEncoding.Learn(Name, Open(pairs), spec, inTraining, ArrayFiles.Named(pairs, spec.Label));
    }

    /// <inheritdoc/>
    public void Encode(IReadOnlyList<string> files, DataSchema schema, ExampleSink sink) =>
        ArrayEncoding.Encode(Open(ArrayFiles.Pair(files, null, schema.LabelFiles)), schema, sink);

    /// <inheritdoc/>
    public DataInspection Inspect(IReadOnlyList<string> files, DataSpec spec) => ArrayInspection.Inspect(this, files, spec);

    private static IEnumerable<Func<ArrayPair>> Open(IReadOnlyList<(string Features, string? Labels)> pairs) =>
        pairs.Select(p => (Func<ArrayPair>)(() =>
        {
            var features = NpyFile.Open(p.Features);
            try
            {
                return new ArrayPair(features, p.Labels is null ? null : NpyFile.Open(p.Labels));
            }
            catch
            {
                features.Dispose();
                throw;
            }
        }));
}
