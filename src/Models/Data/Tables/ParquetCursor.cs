// Parquet files read with Parquet.Net one row group at a time (memory bounded by the row group, not the file): number
// and boolean columns are numbers, string columns are text, nulls and NaN are missing.
using System.Globalization;
using System.Numerics;
using Parquet;
using Parquet.Schema;

namespace Dtrain.Models.Data.Tables;

/// <summary>A Parquet file's rows, as a table with the file's column names.</summary>
internal sealed class ParquetCursor : TableCursor
{
    private readonly ParquetReader _reader;
    private readonly DataField[] _fields;
    private readonly string[] _names;
    private readonly double[]?[] _numbers;
    private readonly bool[][] _missing;
    private readonly string?[]?[] _texts;
    private int _group = -1;
    private int _groupRows;
    private int _rowInGroup;
    private long _row;

    private ParquetCursor(string file, ParquetReader reader)
    {
        File = file;
        _reader = reader;
        _fields = reader.Schema.Fields.OfType<DataField>().ToArray();
        _names = _fields.Select(f => f.Name).ToArray();
        _numbers = new double[_fields.Length][];
        _missing = new bool[_fields.Length][];
        _texts = new string?[_fields.Length][];
        var nested = reader.Schema.Fields.FirstOrDefault(f => f is not DataField);
        if (nested is not null)
        {
            throw new DtrainException($"{file}: column '{Show(nested.Name)}' is nested ({nested.SchemaType}); dtrain reads flat tables of numbers and text");
        }
    }

    /// <inheritdoc/>
    public override string File { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<string> Names => _names;

    /// <inheritdoc/>
    public override bool HasHeader => true;

    /// <inheritdoc/>
    public override string WhereRow => $"row {_row}";

    /// <summary>Opens <paramref name="file"/>; a file that is not Parquet is an error naming it.</summary>
    public static ParquetCursor Open(string file)
    {
        ParquetReader reader;
        try
        {
            reader = ParquetReader.CreateAsync(file).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or NotSupportedException)
        {
            throw new DtrainException(new FileInfo(file) is { Exists: true, Length: 0 }
                ? $"{file}: the file is empty"
                : $"{file}: not a Parquet file: {e.Message.ReplaceLineEndings(" ")}");
        }

        try
        {
            return new ParquetCursor(file, reader);
        }
        catch
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <inheritdoc/>
    public override bool Readable(int column) => IsSupported(_fields[column]);

    /// <inheritdoc/>
    public override bool Read()
    {
        while (_rowInGroup + 1 >= _groupRows)
        {
            if (_group + 1 >= _reader.RowGroupCount)
            {
                return false;
            }

            LoadGroup(++_group);
        }

        _rowInGroup++;
        _row++;
        return true;
    }

    /// <inheritdoc/>
    public override CellKind Cell(int column, out double number)
    {
        number = 0;
        if (_texts[column] is { } texts)
        {
            return texts[_rowInGroup] is { } text ? Classify(text, out number) is CellKind.Missing ? CellKind.Missing : CellKind.Text : CellKind.Missing;
        }

        Unsupported(column);
        if (_missing[column][_rowInGroup])
        {
            return CellKind.Missing;
        }

        number = _numbers[column]![_rowInGroup];
        return double.IsFinite(number) ? CellKind.Number : CellKind.Missing;
    }

    /// <inheritdoc/>
    public override ReadOnlySpan<char> Text(int column)
    {
        if (_texts[column] is { } texts)
        {
            return texts[_rowInGroup];
        }

        Unsupported(column);
        return _missing[column][_rowInGroup] ? "" : _numbers[column]![_rowInGroup].ToString("R", CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    public override void Dispose() => _reader.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private void Unsupported(int column)
    {
        if (_numbers[column] is null)
        {
            throw new DtrainException($"{File}: column '{Show(_names[column])}' has Parquet type {_fields[column].ClrType.Name}{(_fields[column].IsArray ? "[]" : "")}, which dtrain does not encode (numbers, booleans and strings only); exclude it");
        }
    }

    private void LoadGroup(int group)
    {
        using var rg = _reader.OpenRowGroupReader(group);
        _groupRows = checked((int)rg.RowCount);
        _rowInGroup = -1;
        for (var c = 0; c < _fields.Length; c++)
        {
            var f = _fields[c];
            _texts[c] = null;
            _numbers[c] = null;
            if (!IsSupported(f))
            {
                continue;
            }

            if (IsText(f))
            {
                var texts = new string?[_groupRows];
                rg.ReadAsync(f, texts.AsMemory()).GetAwaiter().GetResult();
                _texts[c] = texts;
                continue;
            }

            (_numbers[c], _missing[c]) = f.ClrType switch
            {
                var t when t == typeof(double) => Numbers<double>(rg, f),
                var t when t == typeof(float) => Numbers<float>(rg, f),
                var t when t == typeof(long) => Numbers<long>(rg, f),
                var t when t == typeof(int) => Numbers<int>(rg, f),
                var t when t == typeof(short) => Numbers<short>(rg, f),
                var t when t == typeof(sbyte) => Numbers<sbyte>(rg, f),
                var t when t == typeof(byte) => Numbers<byte>(rg, f),
                var t when t == typeof(ushort) => Numbers<ushort>(rg, f),
                var t when t == typeof(uint) => Numbers<uint>(rg, f),
                var t when t == typeof(ulong) => Numbers<ulong>(rg, f),
                var t when t == typeof(decimal) => Numbers<decimal>(rg, f),
                _ => Booleans(rg, f),
            };
        }
    }

    private (double[], bool[]) Numbers<T>(ParquetRowGroupReader rg, DataField f)
        where T : struct, INumberBase<T>
    {
        var numbers = new double[_groupRows];
        var missing = new bool[_groupRows];
        if (f.IsNullable)
        {
            var values = new T?[_groupRows];
            rg.ReadAsync(f, values.AsMemory()).GetAwaiter().GetResult();
            for (var i = 0; i < values.Length; i++)
            {
                missing[i] = values[i] is null;
                numbers[i] = values[i] is { } v ? double.CreateSaturating(v) : 0;
            }
        }
        else
        {
            var values = new T[_groupRows];
            rg.ReadAsync(f, values.AsMemory()).GetAwaiter().GetResult();
            for (var i = 0; i < values.Length; i++)
            {
                numbers[i] = double.CreateSaturating(values[i]);
            }
        }

        return (numbers, missing);
    }

    private (double[], bool[]) Booleans(ParquetRowGroupReader rg, DataField f)
    {
        var numbers = new double[_groupRows];
        var missing = new bool[_groupRows];
        if (f.IsNullable)
        {
            var values = new bool?[_groupRows];
            rg.ReadAsync(f, values.AsMemory()).GetAwaiter().GetResult();
            for (var i = 0; i < values.Length; i++)
            {
                missing[i] = values[i] is null;
                numbers[i] = values[i] == true ? 1 : 0;
            }
        }
        else
        {
            var values = new bool[_groupRows];
            rg.ReadAsync(f, values.AsMemory()).GetAwaiter().GetResult();
            for (var i = 0; i < values.Length; i++)
            {
                numbers[i] = values[i] ? 1 : 0;
            }
        }

        return (numbers, missing);
    }

    /// <summary>Parquet.Net 6 reports a UTF-8 string column as ReadOnlyMemory&lt;char&gt; (and reads it as strings too).</summary>
    private static bool IsText(DataField f) => f.ClrType == typeof(string) || f.ClrType == typeof(ReadOnlyMemory<char>);

    private static bool IsSupported(DataField f) => !f.IsArray && (IsText(f) || f.ClrType == typeof(bool) || f.ClrType == typeof(double)
        || f.ClrType == typeof(float) || f.ClrType == typeof(long) || f.ClrType == typeof(int) || f.ClrType == typeof(short)
        || f.ClrType == typeof(sbyte) || f.ClrType == typeof(byte) || f.ClrType == typeof(ushort) || f.ClrType == typeof(uint)
        || f.ClrType == typeof(ulong) || f.ClrType == typeof(decimal));
}
