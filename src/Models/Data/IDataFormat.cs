// One file format dtrain reads (CSV, NPY, IDX, images, ...): it learns a schema from the training split in one
// streaming pass and encodes files with a schema in another, so memory never holds the whole data set.
namespace Dtrain.Models.Data;

/// <summary>
/// A data format. Both passes stream: they read the files row by row (or example by example) and hand encoded
/// examples to a sink, holding at most a bounded buffer. Errors are <see cref="DtrainException"/>s of one line that
/// name the file and, where there is one, the line and column (or the example index): <c>FILE: line 12, column 3
/// ('age'): 'abc' is not a number</c>.
/// </summary>
public interface IDataFormat
{
    /// <summary>The name users write in <c>format</c>, e.g. <c>csv</c>.</summary>
    string Name { get; }

    /// <summary>File extensions that select this format when <c>format</c> is absent, e.g. <c>.csv</c> (a trailing <c>.gz</c> is stripped first).</summary>
    IReadOnlyList<string> Extensions { get; }

    /// <summary>
    /// The files a data path names for this format, in the order rows are numbered: by default
    /// <see cref="DataFiles.Expand"/> over <see cref="Extensions"/>. IDX overrides it so a folder of MNIST's four files
    /// means its <c>train-*</c> pair, or its <c>t10k-*</c> pair when <paramref name="test"/> (a test or validation path).
    /// </summary>
    IReadOnlyList<string> Expand(string path, bool test) => DataFiles.Expand(path, Extensions);

    /// <summary>
    /// Learns the schema from the training files: column types, categories, class names and normalisation
    /// statistics, counting only rows for which <paramref name="inTraining"/> is true (the others are the validation split).
    /// </summary>
    /// <param name="files">The training files, in order (<see cref="DataFiles.Expand"/>); rows are numbered across them from 0.</param>
    /// <param name="spec">The user's settings (label, task, exclude, normalize, missing, header, image settings).</param>
    /// <param name="inTraining">Whether row <c>i</c> (0-based over all files) is a training row.</param>
    DataSchema Learn(IReadOnlyList<string> files, DataSpec spec, Func<long, bool> inTraining);

    /// <summary>
    /// Encodes every row of <paramref name="files"/> with <paramref name="schema"/> into <paramref name="sink"/>, in
    /// order. A value the schema cannot encode (an unseen class, text in a numeric column, NaN under
    /// <c>missing: error</c>, a different image size) is an error naming the file and row.
    /// </summary>
    void Encode(IReadOnlyList<string> files, DataSchema schema, ExampleSink sink);

    /// <summary>Describes the files for <c>dtrain data inspect</c>: columns, inferred types, missing counts, classes, encoded width.</summary>
    DataInspection Inspect(IReadOnlyList<string> files, DataSpec spec);
}

/// <summary>Receives encoded examples one at a time (the encoded cache file, or memory for a small set).</summary>
public abstract class ExampleSink
{
    /// <summary>Appends one example: <c>schema.FeatureSize</c> features and <c>schema.TargetWidth</c> targets (none for reconstruction).</summary>
    public abstract void Write(ReadOnlySpan<float> features, ReadOnlySpan<float> targets);
}

/// <summary>One column (or, for arrays and images, the one tensor) as <c>dtrain data inspect</c> shows it.</summary>
/// <param name="Name">Header name or index.</param>
/// <param name="Type">Inferred type: <c>numeric</c>, <c>integer</c>, <c>text</c>, or e.g. <c>uint8[28,28]</c>.</param>
/// <param name="Missing">Empty or NaN cells.</param>
/// <param name="Distinct">Distinct values (capped; -1 when not counted).</param>
/// <param name="Role">feature, label or excluded.</param>
/// <param name="EncodedWidth">Feature slots it becomes (1 numeric, categories for text).</param>
public sealed record ColumnInspection(string Name, string Type, long Missing, int Distinct, string Role, int EncodedWidth);

/// <summary>What <c>dtrain data inspect</c> prints about a data set.</summary>
/// <param name="Format">The format read.</param>
/// <param name="Files">Files read.</param>
/// <param name="Rows">Examples.</param>
/// <param name="Columns">Columns (tables) or the one tensor (arrays, images).</param>
/// <param name="Task">The inferred or given task.</param>
/// <param name="ClassCounts">Classification: examples per class name, in class-id order; null otherwise.</param>
/// <param name="FeatureShape">The encoded example shape.</param>
public sealed record DataInspection(
    string Format,
    IReadOnlyList<string> Files,
    long Rows,
    IReadOnlyList<ColumnInspection> Columns,
    LearningTask Task,
    IReadOnlyList<(string Class, long Count)>? ClassCounts,
    int[] FeatureShape);
