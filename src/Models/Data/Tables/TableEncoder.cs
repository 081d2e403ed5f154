// The encoding pass over a table: each row becomes the features and targets a schema describes, streamed into a sink.
// Columns are matched by name when the files have a header (so a test file may order them differently), by position
// otherwise; a file without the label column (prediction input) gets NaN targets.
namespace Dtrain.Models.Data.Tables;

/// <summary>Encodes table rows with a learned <see cref="DataSchema"/>.</summary>
internal sealed class TableEncoder
{
    private readonly DataSchema _schema;
    private readonly Dictionary<string, int>[] _categories;
    private readonly Dictionary<double, int>? _numericClasses;
    private readonly List<ColumnEncoding> _used;
    private readonly float[] _features;
    private readonly float[] _targets;

    /// <summary>Prepares lookups for <paramref name="schema"/>.</summary>
    public TableEncoder(DataSchema schema)
    {
        _schema = schema;
        _used = schema.Columns.Where(c => c.Role == ColumnRole.Feature || (c.Role == ColumnRole.Label && schema.Task != LearningTask.Reconstruction)).ToList();
        _categories = schema.Columns.Select(c => c.Categories is null
            ? new Dictionary<string, int>(StringComparer.Ordinal)
            : c.Categories.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal)).ToArray();
        var label = schema.Columns.FirstOrDefault(c => c.Role == ColumnRole.Label);
        if (schema.Task == LearningTask.Classification && label is { Kind: ColumnKind.Numeric, Categories: { } names })
        {
            _numericClasses = names.Select((n, i) => (n, i)).ToDictionary(p => double.Parse(p.n, System.Globalization.CultureInfo.InvariantCulture), p => p.i);
        }

        _features = new float[schema.FeatureSize];
        _targets = new float[schema.Task == LearningTask.Reconstruction ? 0 : schema.TargetWidth];
    }

    /// <summary>Encodes every row of <paramref name="cursor"/> into <paramref name="sink"/>; returns the rows written.</summary>
    public long Encode(TableCursor cursor, ExampleSink sink)
    {
        var (positions, labelsAbsent) = Map(cursor);
        long rows = 0;
        while (cursor.Read())
        {
            Array.Clear(_features);
            for (var u = 0; u < _used.Count; u++)
            {
                var encoding = _used[u];
                if (encoding.Role == ColumnRole.Label)
                {
                    if (labelsAbsent)
                    {
                        _targets.AsSpan().Fill(float.NaN);
                    }
                    else
                    {
                        EncodeTarget(cursor, positions[u], encoding);
                    }
                }
                else if (encoding.Kind == ColumnKind.Numeric)
                {
                    _features[encoding.Offset] = NumericFeature(cursor, positions[u], encoding);
                }
                else
                {
                    var id = Category(cursor, positions[u], _categories[encoding.Index], out var missing);
                    if (missing && _schema.Missing == "error")
                    {
                        throw TableSurvey.MissingError(cursor, positions[u]);
                    }

                    if (id >= 0)
                    {
                        _features[encoding.Offset + id] = 1; // an unseen or missing category leaves its slots all zero
                    }
                }
            }

            sink.Write(_features, _targets);
            rows++;
        }

        if (rows == 0)
        {
            throw new DtrainException(cursor.HasHeader && cursor is CsvCursor
                ? $"{cursor.File}: the file has a header but no data rows"
                : $"{cursor.File}: the file has no data rows");
        }

        return rows;
    }

    private float NumericFeature(TableCursor cursor, int column, ColumnEncoding encoding)
    {
        switch (cursor.Cell(column, out var x))
        {
            case CellKind.Number:
                return (float)((x - encoding.Shift) * encoding.Scale);
            case CellKind.Missing when _schema.Missing != "error":
                return (encoding.Fill - encoding.Shift) * encoding.Scale;
            case CellKind.Missing:
                throw TableSurvey.MissingError(cursor, column);
            default:
                throw new DtrainException($"{cursor.File}: {cursor.Where(column)}: '{TableCursor.Show(cursor.Text(column))}' is not a number (the column is numeric in the training data)");
        }
    }

    private void EncodeTarget(TableCursor cursor, int column, ColumnEncoding encoding)
    {
        var kind = cursor.Cell(column, out var y);
        if (kind == CellKind.Missing)
        {
            throw new DtrainException($"{cursor.File}: {cursor.Where(column)}: the label is missing");
        }

        if (_schema.Task == LearningTask.Regression)
        {
            _targets[encoding.Offset] = kind == CellKind.Number
                ? (float)((y - encoding.Shift) * encoding.Scale)
                : throw new DtrainException($"{cursor.File}: {cursor.Where(column)}: the regression target '{TableCursor.Show(cursor.Text(column))}' is not a number");
            return;
        }

        var id = _numericClasses is not null
            ? kind == CellKind.Number && _numericClasses.TryGetValue(y, out var n) ? n : -1
            : Category(cursor, column, _categories[encoding.Index], out _);
        if (id < 0)
        {
            var classes = string.Join(", ", _schema.ClassNames!.Take(20).Select(c => TableCursor.Show(c))) + (_schema.Classes > 20 ? ", ..." : "");
            throw new DtrainException($"{cursor.File}: {cursor.Where(column)}: class '{TableCursor.Show(cursor.Text(column).Trim())}' was not in the training data (classes: {classes})");
        }

        _targets[0] = id;
    }

    /// <summary>The category id of a cell (by its text, else by the number it holds); -1 when missing or unseen.</summary>
    private static int Category(TableCursor cursor, int column, Dictionary<string, int> categories, out bool missing)
    {
        var kind = cursor.Cell(column, out var x);
        missing = kind == CellKind.Missing;
        if (missing)
        {
            return -1;
        }

        var lookup = categories.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(cursor.Text(column).Trim(), out var id))
        {
            return id;
        }

        return kind == CellKind.Number && categories.TryGetValue(TableSchemaBuilder.NumberName(x), out id) ? id : -1;
    }

    /// <summary>
    /// Where each used column is in this file: by name under a header, by position otherwise (a file with exactly the
    /// label columns fewer is prediction input). A feature column the file lacks is an error naming it.
    /// </summary>
    private (int[] Positions, bool LabelsAbsent) Map(TableCursor cursor)
    {
        var positions = new int[_used.Count];
        var labelCount = _used.Count(c => c.Role == ColumnRole.Label);
        if (cursor.HasHeader)
        {
            var absentLabels = 0;
            for (var u = 0; u < _used.Count; u++)
            {
                positions[u] = IndexOfName(cursor.Names, _used[u].Name);
                if (positions[u] >= 0)
                {
                    continue;
                }

                if (_used[u].Role == ColumnRole.Label)
                {
                    absentLabels++;
                    continue;
                }

                throw new DtrainException($"{cursor.File}: no column '{TableCursor.Show(_used[u].Name)}', which the training data has; the columns are: {TableSurvey.ColumnList(cursor.Names)}");
            }

            if (absentLabels > 0 && absentLabels < labelCount)
            {
                throw new DtrainException($"{cursor.File}: has some of the label columns but not all: {string.Join(", ", _used.Where(c => c.Role == ColumnRole.Label).Select(c => c.Name))}");
            }

            return (positions, absentLabels > 0);
        }

        var all = _schema.Columns.Count;
        if (cursor.Names.Count == all)
        {
            for (var u = 0; u < _used.Count; u++)
            {
                positions[u] = _used[u].Index;
            }

            return (positions, false);
        }

        var labelIndices = _schema.Columns.Where(c => c.Role == ColumnRole.Label).Select(c => c.Index).ToHashSet();
        if (labelIndices.Count > 0 && cursor.Names.Count == all - labelIndices.Count)
        {
            for (var u = 0; u < _used.Count; u++)
            {
                var index = _used[u].Index;
                positions[u] = labelIndices.Contains(index) ? -1 : index - labelIndices.Count(l => l < index);
            }

            return (positions, true);
        }

        throw new DtrainException($"{cursor.File}: has {cursor.Names.Count} columns, but the training data has {all}");
    }

    private static int IndexOfName(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
