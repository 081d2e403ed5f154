// Comma- and tab-separated text tables (optionally .gz), parsed by Sep.
using Dtrain.Models.Data.Tables;

namespace Dtrain.Models.Data.Formats;

/// <summary>
/// CSV: comma-separated values with an optional header row (detected, or set by <c>header</c>), quoted fields and
/// gzip. Numeric columns are standardised (by default), text columns become one-hot categories.
/// </summary>
public sealed class CsvFormat : TableFormat
{
    /// <inheritdoc/>
    public override string Name => "csv";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Extensions { get; } = [".csv"];

    internal override TableCursor Open(string file, bool? header) => CsvCursor.Open(file, ',', header);
}

/// <summary>TSV: as <see cref="CsvFormat"/>, separated by tabs.</summary>
public sealed class TsvFormat : TableFormat
{
    /// <inheritdoc/>
    public override string Name => "tsv";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Extensions { get; } = [".tsv", ".tab"];

    internal override TableCursor Open(string file, bool? header) => CsvCursor.Open(file, '\t', header);
}
