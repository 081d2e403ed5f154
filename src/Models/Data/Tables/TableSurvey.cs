// The learning pass over a table: one streaming read of every file that resolves the label and excluded columns and
// gathers, per column, what the schema needs (counts of numbers, text and missing cells; mean, spread and range;
// distinct values up to a cap), from the training rows only.
namespace Dtrain.Models.Data.Tables;

/// <summary>What the learning pass saw in one column (training rows only, except <see cref="MissingAll"/>).</summary>
internal sealed class ColumnSurvey(string name, int index, ColumnRole role)
{
    /// <summary>Distinct values counted per column; past it a text feature is refused and a count shown as unknown.</summary>
    public const int DistinctCap = 1000;

    public string Name { get; } = name;

    public int Index { get; } = index;

    public ColumnRole Role { get; } = role;

    public long Numbers { get; private set; }

    public long Texts { get; private set; }

    public long Missing { get; private set; }

    public double Mean { get; private set; }

    public double Min { get; private set; } = double.PositiveInfinity;

    public double Max { get; private set; } = double.NegativeInfinity;

    public bool AllIntegers { get; private set; } = true;

    /// <summary>Text cells by value, until <see cref="DistinctCap"/> distinct values (then <see cref="TextOverflow"/>).</summary>
    public Dictionary<string, long> TextCounts { get; } = new(StringComparer.Ordinal);

    public bool TextOverflow { get; private set; }

    /// <summary>Numbers by value, until <see cref="DistinctCap"/> distinct values (then <see cref="NumberOverflow"/>).</summary>
    public Dictionary<double, long> NumberCounts { get; } = [];

    public bool NumberOverflow { get; private set; }

    /// <summary>The first text cell (training rows): where it is and what it says, for the mixed-column error.</summary>
    public (string Where, string Value)? FirstText { get; private set; }

    private double _m2;

    /// <summary>Population standard deviation of the numbers.</summary>
    public double Std => Numbers > 0 ? Math.Sqrt(_m2 / Numbers) : 0;

    /// <summary>Distinct non-missing values, or -1 when more than the cap.</summary>
    public int Distinct => TextOverflow || NumberOverflow ? -1 : TextCounts.Count + NumberCounts.Count;

    public void AddNumber(double x)
    {
        Numbers++;
        var delta = x - Mean; // Welford: a stable mean and variance in one pass
        Mean += delta / Numbers;
        _m2 += delta * (x - Mean);
        Min = Math.Min(Min, x);
        Max = Math.Max(Max, x);
        AllIntegers &= x == Math.Floor(x) && Math.Abs(x) < 1e15;
        if (!NumberOverflow && StopsCounting && Role == ColumnRole.Feature && Texts == 0 && Numbers > DistinctCap)
        {
            // A feature of more than a thousand numbers and no text yet is numeric: its values need not be counted
            // (the lookup per cell was half of the learning pass). Were it to turn to text later, the error says so.
            NumberOverflow = true;
        }

        if (!NumberOverflow)
        {
            ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(NumberCounts, x, out var existed);
            count++;
            if (!existed && NumberCounts.Count > DistinctCap)
            {
                NumberOverflow = true;
            }
        }
    }

    public void AddText(ReadOnlySpan<char> text, TableCursor cursor)
    {
        Texts++;
        FirstText ??= (cursor.Where(Index), TableCursor.Show(text));
        if (TextOverflow)
        {
            return;
        }

        var lookup = TextCounts.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(text, out var count))
        {
            lookup[text] = count + 1;
        }
        else if (TextCounts.Count < DistinctCap)
        {
            TextCounts[text.ToString()] = 1;
        }
        else
        {
            TextOverflow = true;
        }
    }

    public void AddMissing() => Missing++;

    /// <summary>Whether distinct numbers stop being counted once a feature is plainly numeric (learning; inspecting counts them all).</summary>
    public bool StopsCounting { get; init; }
}

/// <summary>The learning pass over a table's files.</summary>
internal sealed class TableSurvey
{
    private TableSurvey(IReadOnlyList<ColumnSurvey> columns, bool header, long rows, long trainingRows, IReadOnlyList<int> labels)
    {
        Columns = columns;
        Header = header;
        Rows = rows;
        TrainingRows = trainingRows;
        Labels = labels;
    }

    /// <summary>Every column in file order.</summary>
    public IReadOnlyList<ColumnSurvey> Columns { get; }

    /// <summary>Whether the files have a header row.</summary>
    public bool Header { get; }

    /// <summary>Data rows in all files.</summary>
    public long Rows { get; }

    /// <summary>Rows counted in the statistics.</summary>
    public long TrainingRows { get; }

    /// <summary>The label columns' indices (empty for reconstruction).</summary>
    public IReadOnlyList<int> Labels { get; }

    /// <summary>
    /// Reads every row of <paramref name="files"/>. Under <paramref name="strict"/> (learning, not inspecting) a missing
    /// label, or a missing feature under <c>missing: error</c>, is an error at its cell.
    /// </summary>
    public static TableSurvey Run(IReadOnlyList<string> files, Func<string, TableCursor> open, DataSpec spec, Func<long, bool> inTraining, bool strict)
    {
        if (files.Count == 0)
        {
            throw new DtrainException("training.data: no file to read");
        }

        ColumnSurvey[]? columns = null;
        TableCursor? first = null;
        long row = 0, training = 0;
        int[] labels = [];
        foreach (var file in files)
        {
            using var cursor = open(file);
            if (columns is null)
            {
                first = cursor;
                labels = ResolveLabels(cursor, spec);
                var excluded = ResolveExcluded(cursor, spec);
                var roles = cursor.Names.Select((_, i) => labels.Contains(i) ? ColumnRole.Label : excluded.Contains(i) ? ColumnRole.Excluded : ColumnRole.Feature).ToArray();
                columns = cursor.Names.Select((n, i) => new ColumnSurvey(n, i, roles[i]) { StopsCounting = strict }).ToArray();
            }
            else
            {
                CheckSameColumns(first!, cursor, columns);
            }

            long fileRows = 0;
            var errorOnMissing = strict && spec.Missing == "error";
            while (cursor.Read())
            {
                fileRows++;
                var inTrain = inTraining(row++);
                training += inTrain ? 1 : 0;
                foreach (var column in columns)
                {
                    if (column.Role == ColumnRole.Excluded && (strict || !cursor.Readable(column.Index)))
                    {
                        continue; // learning never reads them; inspecting shows what they hold
                    }

                    switch (cursor.Cell(column.Index, out var x))
                    {
                        case CellKind.Missing:
                            if (strict && column.Role == ColumnRole.Label)
                            {
                                throw new DtrainException($"{cursor.File}: {cursor.Where(column.Index)}: the label is missing");
                            }

                            if (errorOnMissing)
                            {
                                throw MissingError(cursor, column.Index);
                            }

                            if (inTrain)
                            {
                                column.AddMissing();
                            }

                            break;
                        case CellKind.Number when inTrain:
                            column.AddNumber(x);
                            break;
                        case CellKind.Text when inTrain:
                            column.AddText(cursor.Text(column.Index), cursor);
                            break;
                    }
                }
            }

            if (fileRows == 0)
            {
                throw new DtrainException(cursor.HasHeader && cursor is CsvCursor
                    ? $"{file}: the file has a header but no data rows"
                    : $"{file}: the file has no data rows");
            }
        }

        if (training == 0)
        {
            throw new DtrainException($"{files[0]}: none of the {row} rows is left for training (the validation split took them all)");
        }

        return new TableSurvey(columns!, first!.HasHeader, row, training, labels);
    }

    /// <summary>The error for a missing cell under <c>missing: error</c>.</summary>
    public static DtrainException MissingError(TableCursor cursor, int column)
    {
        var text = cursor.Text(column).Trim();
        var what = text.IsEmpty ? cursor is ParquetCursor ? "the value is null" : "the cell is empty" : $"'{TableCursor.Show(text)}' is a missing value";
        return new DtrainException($"{cursor.File}: {cursor.Where(column)}: {what}; set missing to mean or zero, or exclude the column");
    }

    /// <summary>
    /// The label columns: <c>spec.Label</c> as a column name, else as a 0-based index; several targets (regression)
    /// are separated by commas when the whole text names no column.
    /// </summary>
    private static int[] ResolveLabels(TableCursor cursor, DataSpec spec)
    {
        if (spec.Label is null)
        {
            return [];
        }

        var names = cursor.Names;
        var single = Resolve(spec.Label);
        if (single >= 0)
        {
            return [single];
        }

        var parts = spec.Label.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length > 1 && parts.All(p => Resolve(p) >= 0))
        {
            return parts.Select(Resolve).Distinct().ToArray();
        }

        var missing = parts.Length > 1 ? parts.First(p => Resolve(p) < 0) : spec.Label;
        throw new DtrainException(cursor.HasHeader
            ? $"{cursor.File}: label column '{TableCursor.Show(missing)}' not found; the columns are: {ColumnList(names)}"
            : $"{cursor.File}: label column '{TableCursor.Show(missing)}' not found: the file has no header row, so give the label as a 0-based column index, 0 to {names.Count - 1}");

        int Resolve(string label) => IndexOf(names, label);
    }

    private static HashSet<int> ResolveExcluded(TableCursor cursor, DataSpec spec)
    {
        var excluded = new HashSet<int>();
        foreach (var e in spec.Exclude)
        {
            var i = IndexOf(cursor.Names, e);
            if (i < 0)
            {
                throw new DtrainException($"{cursor.File}: excluded column '{TableCursor.Show(e)}' not found; the columns are: {ColumnList(cursor.Names)}");
            }

            excluded.Add(i);
        }

        return excluded;
    }

    /// <summary>A column by name, else by 0-based index written as a number; -1 when neither.</summary>
    public static int IndexOf(IReadOnlyList<string> names, string nameOrIndex)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], nameOrIndex, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return int.TryParse(nameOrIndex, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) && index < names.Count
            ? index
            : -1;
    }

    /// <summary>Column names for an error line: the first 20, then how many more.</summary>
    public static string ColumnList(IReadOnlyList<string> names) =>
        string.Join(", ", names.Take(20).Select(n => TableCursor.Show(n))) + (names.Count > 20 ? $" (and {names.Count - 20} more)" : "");

    private static void CheckSameColumns(TableCursor first, TableCursor cursor, ColumnSurvey[] columns)
    {
        if (cursor.Names.Count != columns.Length)
        {
            throw new DtrainException($"{cursor.File}: has {cursor.Names.Count} columns, but {first.File} has {columns.Length}; every file of a data set must have the same columns");
        }

        if (first.HasHeader != cursor.HasHeader)
        {
            throw new DtrainException($"{cursor.File}: {(cursor.HasHeader ? "has a header row" : "has no header row")}, but {first.File} {(first.HasHeader ? "has one" : "does not")}; every file of a data set must agree");
        }

        for (var i = 0; i < columns.Length; i++)
        {
            if (!string.Equals(cursor.Names[i], columns[i].Name, StringComparison.Ordinal))
            {
                throw new DtrainException($"{cursor.File}: column {i + 1} is '{TableCursor.Show(cursor.Names[i])}', but in {first.File} it is '{TableCursor.Show(columns[i].Name)}'; every file of a data set must have the same columns");
            }
        }
    }
}
