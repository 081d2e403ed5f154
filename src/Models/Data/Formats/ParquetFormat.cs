// Parquet tables (what Spark and pandas write), read by Parquet.Net with the same column rules as CSV.
using Dtrain.Models.Data.Tables;

namespace Dtrain.Models.Data.Formats;

/// <summary>
/// Parquet: columns of numbers or booleans are numeric, string columns are text (one-hot features, or class names
/// for a label), nulls and NaN are missing. Column names come from the file's schema; other types must be excluded.
/// </summary>
public sealed class ParquetFormat : TableFormat
{
    /// <inheritdoc/>
    public override string Name => "parquet";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Extensions { get; } = [".parquet", ".pq"];

    internal override TableCursor Open(string file, bool? header) => ParquetCursor.Open(file);
}
