// A table read row by row (a CSV/TSV file through Sep, a Parquet file row group by row group), with the cell rules
// the schema learner and encoder share: what counts as missing, what as a number, and where a cell is in the file.
using System.Globalization;

namespace Dtrain.Models.Data.Tables;

/// <summary>What a cell holds.</summary>
internal enum CellKind
{
    /// <summary>A finite number.</summary>
    Number,

    /// <summary>Text that is not a number.</summary>
    Text,

    /// <summary>Empty, NA, NaN or an infinity: a value the data does not have.</summary>
    Missing,
}

/// <summary>
/// The data rows of one table file. <see cref="Read"/> moves to the next row (the header is never one); cells are read
/// by 0-based column. Implementations check that every row has <see cref="Names"/>.Count cells.
/// </summary>
internal abstract class TableCursor : IDisposable
{
    /// <summary>The file, as errors name it.</summary>
    public abstract string File { get; }

    /// <summary>Column names: the header's, or the 0-based indices as text for a file without one.</summary>
    public abstract IReadOnlyList<string> Names { get; }

    /// <summary>Whether the names came from the file (a CSV header, Parquet's schema).</summary>
    public abstract bool HasHeader { get; }

    /// <summary>Whether the column's cells can be read at all (a Parquet column of dates cannot); such a column must be excluded.</summary>
    public virtual bool Readable(int column) => true;

    /// <summary>Moves to the next data row; false at the end of the file.</summary>
    public abstract bool Read();

    /// <summary>The current row's cell at <paramref name="column"/>: its kind, and the number when it is one.</summary>
    public abstract CellKind Cell(int column, out double number);

    /// <summary>The current row's cell at <paramref name="column"/> as text (categories, error messages).</summary>
    public abstract ReadOnlySpan<char> Text(int column);

    /// <summary>Where the current row is, e.g. <c>line 12</c> or <c>row 12</c>.</summary>
    public abstract string WhereRow { get; }

    /// <summary>Where a cell of the current row is, e.g. <c>line 12, column 3 ('age')</c>.</summary>
    public string Where(int column) => HasHeader
        ? $"{WhereRow}, column {column + 1} ('{Show(Names[column])}')"
        : $"{WhereRow}, column {column + 1} (index {column})";

    /// <summary>Releases the file.</summary>
    public abstract void Dispose();

    /// <summary>
    /// Classifies text as a table cell: empty, <c>NA</c>, <c>N/A</c>, <c>NaN</c>, <c>null</c>, <c>None</c> and infinities
    /// are missing; an invariant-culture number is a number; anything else is text.
    /// </summary>
    public static CellKind Classify(ReadOnlySpan<char> text, out double number)
    {
        // Numbers first: they are nearly every cell of a training table.
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number))
        {
            if (double.IsFinite(number))
            {
                return CellKind.Number;
            }

            number = 0;
            return CellKind.Missing;
        }

        number = 0;
        text = text.Trim();
        return text.IsEmpty || IsMissingWord(text) ? CellKind.Missing : CellKind.Text;
    }

    /// <summary>Text as an error shows it: escaped, and cut to 40 characters.</summary>
    public static string Show(ReadOnlySpan<char> text)
    {
        var escaped = Printable.Escape(text.Length > 40 ? string.Concat(text[..40], "...") : text.ToString());
        return escaped;
    }

    private static bool IsMissingWord(ReadOnlySpan<char> t) =>
        t.Equals("NA", StringComparison.OrdinalIgnoreCase) || t.Equals("N/A", StringComparison.OrdinalIgnoreCase)
        || t.Equals("NaN", StringComparison.OrdinalIgnoreCase) || t.Equals("null", StringComparison.OrdinalIgnoreCase)
        || t.Equals("None", StringComparison.Ordinal) || t.Equals("inf", StringComparison.OrdinalIgnoreCase)
        || t.Equals("+inf", StringComparison.OrdinalIgnoreCase) || t.Equals("-inf", StringComparison.OrdinalIgnoreCase)
        || t.Equals("Infinity", StringComparison.OrdinalIgnoreCase) || t.Equals("-Infinity", StringComparison.OrdinalIgnoreCase)
        || t.Equals("+Infinity", StringComparison.OrdinalIgnoreCase);
}
