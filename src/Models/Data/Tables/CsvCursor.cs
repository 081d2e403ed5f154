// CSV and TSV files read with Sep: quoted fields unescaped, .gz decompressed while streaming, the header detected or
// forced, and every row checked for the header's width.
using System.IO.Compression;
using nietras.SeparatedValues;

namespace Dtrain.Models.Data.Tables;

/// <summary>A CSV or TSV file's data rows.</summary>
internal sealed class CsvCursor : TableCursor
{
    private readonly SepReader _reader;
    private readonly string[] _names;
    private readonly bool _header;
    private readonly int _headerLine;
    private int _line;

    private CsvCursor(string file, SepReader reader, string[] names, bool header, int headerLine)
    {
        File = file;
        _reader = reader;
        _names = names;
        _header = header;
        _headerLine = headerLine;
    }

    /// <inheritdoc/>
    public override string File { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<string> Names => _names;

    /// <inheritdoc/>
    public override bool HasHeader => _header;

    /// <inheritdoc/>
    public override string WhereRow => $"line {_line}";

    /// <summary>
    /// Opens <paramref name="file"/>. <paramref name="header"/> true or false forces the first row's role; null detects
    /// it (<see cref="DetectHeader"/>). An empty file, or one with a header and no data row, is an error.
    /// </summary>
    public static CsvCursor Open(string file, char separator, bool? header)
    {
        var (hasHeader, first) = header is { } forced ? (forced, FirstRows(file, separator, 1).FirstOrDefault()) : DetectHeader(file, separator);
        if (first is null)
        {
            throw new DtrainException($"{file}: the file is empty");
        }

        var reader = OpenReader(file, separator);
        try
        {
            string[] names;
            var headerLine = 0;
            if (hasHeader)
            {
                // Sep 0.18 numbers the first row's lines from 2 (its LineNumberFrom); the header's line is counted here.
                headerLine = 1;
                while (reader.MoveNext() && reader.Current.Span.IsEmpty)
                {
                    headerLine++;
                }

                var row = reader.Current;
                names = new string[row.ColCount];
                for (var c = 0; c < names.Length; c++)
                {
                    // An unnamed column (pandas writes its index so) is named by its index, as in a file without a header.
                    var name = row[c].Span.Trim().ToString();
                    names[c] = name.Length > 0 ? name : c.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
                if (duplicate is not null)
                {
                    throw new DtrainException($"{file}: line {headerLine}: the header names column '{Show(duplicate.Key)}' twice; column names must be unique");
                }
            }
            else
            {
                names = Enumerable.Range(0, first.Length).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            }

            var cursor = new CsvCursor(file, reader, names, hasHeader, headerLine);
            reader = null!;
            return cursor;
        }
        finally
        {
            reader?.Dispose();
        }
    }

    /// <summary>
    /// Whether the first row is a header, and the first row's cells. A header is a first row with a text cell that is
    /// either all text, or has text where the second row has a number (a first row of numbers is data, and so is a
    /// first row of text over more text: a headerless table with a text column). scikit-learn's preamble row
    /// (row count, column count, class names) is refused with a hint, since it is neither header nor data.
    /// </summary>
    public static (bool Header, string[]? First) DetectHeader(string file, char separator)
    {
        var rows = FirstRows(file, separator, 2);
        if (rows.Count == 0)
        {
            return (false, null);
        }

        var first = rows[0];
        var kinds = first.Select(c => Classify(c, out _)).ToArray();
        var second = rows.Count > 1 ? rows[1] : null;
        if (LooksLikeSklearnPreamble(first, kinds, second))
        {
            throw new DtrainException($"{file}: line 1 ('{Show(string.Join(separator, first))}') looks like scikit-learn's preamble (row count, column count, class names), neither a header nor data: delete that line, or set header: true to read it as the header");
        }

        if (!kinds.Contains(CellKind.Text))
        {
            return (false, first);
        }

        if (kinds.All(k => k != CellKind.Number) || second is null)
        {
            return (true, first);
        }

        for (var c = 0; c < first.Length && c < second.Length; c++)
        {
            if (kinds[c] == CellKind.Text && Classify(second[c], out _) == CellKind.Number)
            {
                return (true, first);
            }
        }

        return (false, first);
    }

    private static bool LooksLikeSklearnPreamble(string[] first, CellKind[] kinds, string[]? second)
    {
        if (first.Length < 2 || !IsCount(first[0]) || !IsCount(first[1]) || kinds.Skip(2).Any(k => k == CellKind.Number))
        {
            return false;
        }

        // Two counts, then class names (iris, wine) or nothing before a header row of names (boston).
        return kinds.Skip(2).Any(k => k == CellKind.Text)
            || (second is not null && second.All(c => Classify(c, out _) == CellKind.Text));

        static bool IsCount(string cell) => cell.Length > 0 && cell.All(char.IsAsciiDigit);
    }

    private static List<string[]> FirstRows(string file, char separator, int count)
    {
        using var reader = OpenReader(file, separator);
        var rows = new List<string[]>();
        while (rows.Count < count && reader.MoveNext())
        {
            var row = reader.Current;
            if (row.Span.IsEmpty)
            {
                continue;
            }

            var cells = new string[row.ColCount];
            for (var c = 0; c < cells.Length; c++)
            {
                cells[c] = row[c].Span.ToString();
            }

            rows.Add(cells);
        }

        return rows;
    }

    private static SepReader OpenReader(string file, char separator)
    {
        Stream stream;
        try
        {
            stream = System.IO.File.OpenRead(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DtrainException($"{file}: cannot read: {e.Message}");
        }

        if (file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            stream = new GZipStream(stream, CompressionMode.Decompress);
        }

        try
        {
            // The column count is checked here, to name the file and line; Sep's own check would throw its own message.
            return Sep.New(separator).Reader(o => o with { HasHeader = false, Unescape = true, Trim = SepTrim.All, DisableColCountCheck = true }).From(stream);
        }
        catch (InvalidDataException e)
        {
            stream.Dispose();
            throw new DtrainException($"{file}: not a gzip file: {e.Message}");
        }
    }

    /// <inheritdoc/>
    public override bool Read()
    {
        try
        {
            while (_reader.MoveNext())
            {
                var row = _reader.Current;
                if (row.Span.IsEmpty)
                {
                    continue; // blank lines are skipped, as pandas does
                }

                _line = row.LineNumberFrom;
                if (row.ColCount != _names.Length)
                {
                    var reference = _header ? $"the header (line {_headerLine}) has" : "the first row has";
                    throw new DtrainException($"{File}: line {_line} has {row.ColCount} field{(row.ColCount == 1 ? "" : "s")}, but {reference} {_names.Length}");
                }

                return true;
            }

            return false;
        }
        catch (InvalidDataException e)
        {
            throw new DtrainException($"{File}: after line {_line}: the file is not valid gzip: {e.Message}");
        }
    }

    /// <inheritdoc/>
    public override CellKind Cell(int column, out double number)
    {
        // Sep parses numbers with csFastFloat, faster than double.TryParse; anything else is classified from its text.
        var col = _reader.Current[column];
        if (col.TryParse(out number))
        {
            if (double.IsFinite(number))
            {
                return CellKind.Number;
            }

            number = 0;
            return CellKind.Missing;
        }

        return Classify(col.Span, out number);
    }

    /// <inheritdoc/>
    public override ReadOnlySpan<char> Text(int column) => _reader.Current[column].Span;

    /// <inheritdoc/>
    public override void Dispose() => _reader.Dispose();
}
