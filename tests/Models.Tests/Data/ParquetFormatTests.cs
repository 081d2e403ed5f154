// Parquet: the same column rules as CSV over typed columns (numbers, booleans, strings; nulls missing), on files
// written with Parquet.Net into a temp folder.
using Dtrain.Models.Data;
using Dtrain.Models.Data.Formats;
using Parquet;
using Parquet.Schema;

namespace Dtrain.Models.Tests.Data;

public sealed class ParquetFormatTests : IDisposable
{
    private readonly TableFiles _files = new();
    private readonly ParquetFormat _parquet = new();

    public void Dispose() => _files.Dispose();

    /// <summary>One column of a test file: its field and values (double?[], int?[], bool[], string?[], DateTime[]).</summary>
    private sealed record Column(DataField Field, Array Values);

    private static Column Doubles(string name, params double?[] v) => new(new DataField<double?>(name), v);

    private static Column Ints(string name, params int[] v) => new(new DataField<int>(name), v);

    private static Column Strings(string name, params string?[] v) => new(new DataField<string>(name), v);

    /// <summary>Writes <paramref name="columns"/> as a Parquet file, in row groups of <paramref name="groupRows"/> rows.</summary>
    private string Write(string name, int groupRows, params Column[] columns)
    {
        var path = Path.Combine(_files.Folder, name);
        WriteAsync(path, groupRows, columns).GetAwaiter().GetResult();
        return path;
    }

    private static async Task WriteAsync(string path, int groupRows, Column[] columns)
    {
        var rows = columns[0].Values.Length;
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(columns.Select(c => (Field)c.Field)), stream);
        for (var start = 0; start < rows; start += groupRows)
        {
            var n = Math.Min(groupRows, rows - start);
            using var group = writer.CreateRowGroup();
            foreach (var c in columns)
            {
                switch (c.Values)
                {
                    case double?[] d:
                        await group.WriteAsync(c.Field, (ReadOnlyMemory<double?>)d.AsMemory(start, n));
                        break;
                    case int[] i:
                        await group.WriteAsync(c.Field, (ReadOnlyMemory<int>)i.AsMemory(start, n));
                        break;
                    case bool[] b:
                        await group.WriteAsync(c.Field, (ReadOnlyMemory<bool>)b.AsMemory(start, n));
                        break;
                    case DateTime[] t:
                        await group.WriteAsync(c.Field, (ReadOnlyMemory<DateTime>)t.AsMemory(start, n));
                        break;
                    case string?[] s:
                        await group.WriteAsync(c.Field, s.Skip(start).Take(n).ToArray());
                        break;
                }
            }
        }
    }

    [Fact]
    public void Parquet_numbers_and_strings_become_features_and_text_label_classes()
    {
        var path = Write("a.parquet", 100, Doubles("x", 1, 2, 3), Strings("colour", "red", "blue", "red"), Strings("species", "b", "a", "b"));

        var schema = _parquet.Learn([path], new DataSpec { Label = "species", Normalize = "none" }, _ => true);
        var sink = ListSink.Of(_parquet, schema, path);

        Assert.Equal("parquet", schema.Format);
        Assert.Equal(["a", "b"], schema.ClassNames);
        Assert.Equal(["blue", "red"], schema.Columns[1].Categories);
        Assert.Equal([1f, 0f, 1f], sink.Features[0]);
        Assert.Equal([1f, 0f, 1f], sink.Targets.Select(t => t[0]));
    }

    [Fact]
    public void Parquet_integer_label_is_classification_and_double_label_regression()
    {
        var path = Write("b.parquet", 100, Doubles("x", 1, 2, 3, 4), Ints("k", 3, 1, 3, 2), Doubles("y", 0.5, 1.5, 2.5, 3.25));

        var classes = _parquet.Learn([path], new DataSpec { Label = "k" }, _ => true);
        var regression = _parquet.Learn([path], new DataSpec { Label = "y" }, _ => true);

        Assert.Equal(["1", "2", "3"], classes.ClassNames);
        Assert.Equal(LearningTask.Regression, regression.Task);
        Assert.Equal(1.9375f, regression.TargetShift![0], 4);
    }

    [Fact]
    public void Parquet_nulls_are_missing_and_filled_under_missing_mean()
    {
        var path = Write("c.parquet", 100, Doubles("x", 1, null, 3), Ints("y", 0, 1, 0));

        var schema = _parquet.Learn([path], new DataSpec { Label = "y", Missing = "mean", Normalize = "none" }, _ => true);

        Assert.Equal([1f, 2f, 3f], ListSink.Of(_parquet, schema, path).Features.Select(f => f[0]));
    }

    [Fact]
    public void Parquet_null_without_missing_is_refused_at_its_row_and_column()
    {
        var path = Write("d.parquet", 100, Doubles("x", 1, null, 3), Ints("y", 0, 1, 0));

        var message = Assert.Throws<DtrainException>(() => _parquet.Learn([path], new DataSpec { Label = "y" }, _ => true)).Message;

        Assert.Equal($"{path}: row 2, column 1 ('x'): the value is null; set missing to mean or zero, or exclude the column", message);
    }

    [Fact]
    public void Parquet_rows_are_numbered_across_row_groups()
    {
        var path = Write("e.parquet", 2, Doubles("x", 1, 3, 5, 1000, 7), Ints("y", 0, 1, 0, 1, 0));

        var schema = _parquet.Learn([path], new DataSpec { Label = "y", Normalize = "minmax" }, row => row != 3);
        var sink = ListSink.Of(_parquet, schema, path);

        Assert.Equal(1f, schema.Columns[0].Shift);
        Assert.Equal(5, sink.Features.Count);
        Assert.Equal(4f / 6, sink.Features[2][0], 5);
    }

    [Fact]
    public void Parquet_text_where_training_had_numbers_is_refused_at_encode()
    {
        var train = Write("train.parquet", 100, Doubles("x", 1, 2), Ints("y", 0, 1));
        var test = Write("test.parquet", 100, Strings("x", "1", "abc"), Ints("y", 0, 1));

        var schema = _parquet.Learn([train], new DataSpec { Label = "y" }, _ => true);
        var message = Assert.Throws<DtrainException>(() => ListSink.Of(_parquet, schema, test)).Message;

        Assert.Equal($"{test}: row 1, column 1 ('x'): '1' is not a number (the column is numeric in the training data)", message);
    }

    [Fact]
    public void Parquet_date_column_must_be_excluded_and_is_named_until_it_is()
    {
        var dates = new Column(new DataField<DateTime>("when"), new[] { DateTime.UnixEpoch, DateTime.UnixEpoch });
        var path = Write("f.parquet", 100, dates, Doubles("x", 1, 2), Ints("y", 0, 1));

        var message = Assert.Throws<DtrainException>(() => _parquet.Learn([path], new DataSpec { Label = "y" }, _ => true)).Message;
        var schema = _parquet.Learn([path], new DataSpec { Label = "y", Exclude = ["when"] }, _ => true);

        Assert.Equal($"{path}: column 'when' has Parquet type DateTime, which dtrain does not encode (numbers, booleans and strings only); exclude it", message);
        Assert.Equal([1], schema.FeatureShape);
        Assert.Equal(2, ListSink.Of(_parquet, schema, path).Features.Count);
    }

    [Fact]
    public void Parquet_booleans_are_numbers()
    {
        var path = Write("g.parquet", 100, new Column(new DataField<bool>("flag"), new[] { true, false, true }), Ints("y", 0, 1, 0));

        var schema = _parquet.Learn([path], new DataSpec { Label = "y", Normalize = "none" }, _ => true);

        Assert.Equal([1f, 0f, 1f], ListSink.Of(_parquet, schema, path).Features.Select(f => f[0]));
    }

    [Fact]
    public void Not_a_parquet_file_is_refused_by_name()
    {
        var path = _files.Write("h.parquet", "x,y", "1,2");

        var message = Assert.Throws<DtrainException>(() => _parquet.Learn([path], new DataSpec { Label = "y" }, _ => true)).Message;

        Assert.StartsWith($"{path}: not a Parquet file: ", message);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void Empty_parquet_file_is_refused()
    {
        var path = _files.Write("i.parquet");

        var message = Assert.Throws<DtrainException>(() => _parquet.Learn([path], new DataSpec { Label = "y" }, _ => true)).Message;

        Assert.Equal($"{path}: the file is empty", message);
    }

    [Fact]
    public void Parquet_label_column_that_does_not_exist_names_the_columns()
    {
        var path = Write("j.parquet", 100, Doubles("x", 1), Ints("y", 0));

        var message = Assert.Throws<DtrainException>(() => _parquet.Learn([path], new DataSpec { Label = "z" }, _ => true)).Message;

        Assert.Equal($"{path}: label column 'z' not found; the columns are: x, y", message);
    }

    [Fact]
    public void Parquet_extension_selects_the_format()
    {
        Assert.IsType<ParquetFormat>(DataFormats.For("data/part-0.parquet", null));
    }
}
