// Bad tables: each is refused with one line naming the file and, where there is one, the line and column.
using Dtrain.Models.Data;
using Dtrain.Models.Data.Formats;

namespace Dtrain.Models.Tests.Data;

public sealed class CsvBadInputTests : IDisposable
{
    private readonly TableFiles _files = new();
    private readonly CsvFormat _csv = new();

    public void Dispose() => _files.Dispose();

    private string LearnError(string path, DataSpec spec) =>
        Assert.Throws<DtrainException>(() => _csv.Learn([path], spec, _ => true)).Message;

    private string EncodeError(string train, string test, DataSpec spec)
    {
        var schema = _csv.Learn([train], spec, _ => true);
        return Assert.Throws<DtrainException>(() => ListSink.Of(_csv, schema, test)).Message;
    }

    [Fact]
    public void Ragged_row_names_its_line_and_field_counts()
    {
        var path = _files.Write("r.csv", "x,y", "1,0", "3");

        Assert.Equal($"{path}: line 3 has 1 field, but the header (line 1) has 2", LearnError(path, new DataSpec { Label = "y" }));
    }

    [Fact]
    public void Ragged_row_in_a_headerless_file_is_measured_against_the_first_row()
    {
        var path = _files.Write("r.csv", "1,2,0", "3,4,1", "5,6,7,8");

        Assert.Equal($"{path}: line 3 has 4 fields, but the first row has 3", LearnError(path, new DataSpec { Label = "2" }));
    }

    [Fact]
    public void Text_in_a_numeric_column_at_encode_names_line_column_and_value()
    {
        var train = _files.Write("train.csv", "x,y", "1,0", "2,1");
        var test = _files.Write("test.csv", "x,y", "1,0", "abc,1");

        Assert.Equal($"{test}: line 3, column 1 ('x'): 'abc' is not a number (the column is numeric in the training data)", EncodeError(train, test, new DataSpec { Label = "y" }));
    }

    [Fact]
    public void Text_in_a_mostly_numeric_training_column_is_a_typo_not_a_category()
    {
        var path = _files.Write("m.csv", "x,y", "1,0", "2,1", "1O,0");

        Assert.Equal($"{path}: line 4, column 1 ('x'): '1O' is not a number, but 2 of the column's 3 values are; fix the cell or exclude the column", LearnError(path, new DataSpec { Label = "y" }));
    }

    [Fact]
    public void Empty_file_is_refused()
    {
        var path = _files.Write("e.csv");

        Assert.Equal($"{path}: the file is empty", LearnError(path, new DataSpec { Label = "y" }));
    }

    [Fact]
    public void Header_only_file_is_refused()
    {
        var path = _files.Write("h.csv", "x,y");

        Assert.Equal($"{path}: the file has a header but no data rows", LearnError(path, new DataSpec { Label = "y" }));
    }

    [Fact]
    public void Header_only_test_file_is_refused_at_encode()
    {
        var train = _files.Write("train.csv", "x,y", "1,0");
        var test = _files.Write("test.csv", "x,y");

        Assert.Equal($"{test}: the file has a header but no data rows", EncodeError(train, test, new DataSpec { Label = "y" }));
    }

    [Fact]
    public void Label_column_that_does_not_exist_names_the_columns_there_are()
    {
        var path = _files.Write("l.csv", "sepal,petal,species", "1,2,a");

        Assert.Equal($"{path}: label column 'kind' not found; the columns are: sepal, petal, species", LearnError(path, new DataSpec { Label = "kind" }));
    }

    [Fact]
    public void Label_name_in_a_headerless_file_asks_for_an_index()
    {
        var path = _files.Write("l.csv", "1,2,0", "3,4,1");

        Assert.Equal($"{path}: label column 'species' not found: the file has no header row, so give the label as a 0-based column index, 0 to 2", LearnError(path, new DataSpec { Label = "species" }));
    }

    [Fact]
    public void Label_never_seen_in_training_is_refused_at_encode()
    {
        var train = _files.Write("train.csv", "x,y", "1,a", "2,b");
        var test = _files.Write("test.csv", "x,y", "1,c");

        Assert.Equal($"{test}: line 2, column 2 ('y'): class 'c' was not in the training data (classes: a, b)", EncodeError(train, test, new DataSpec { Label = "y" }));
    }

    [Fact]
    public void Integer_label_never_seen_in_training_is_refused_at_encode()
    {
        var train = _files.Write("train.csv", "x,y", "1,0", "2,1");
        var test = _files.Write("test.csv", "x,y", "1,7");

        Assert.Equal($"{test}: line 2, column 2 ('y'): class '7' was not in the training data (classes: 0, 1)", EncodeError(train, test, new DataSpec { Label = "y" }));
    }

    [Fact]
    public void NaN_feature_without_missing_is_refused()
    {
        var path = _files.Write("n.csv", "x,y", "1,0", "NaN,1");

        Assert.Equal($"{path}: line 3, column 1 ('x'): 'NaN' is a missing value; set missing to mean or zero, or exclude the column", LearnError(path, new DataSpec { Label = "y" }));
    }

    [Fact]
    public void Infinity_feature_without_missing_is_refused()
    {
        var path = _files.Write("i.csv", "x,y", "-inf,0", "1,1");

        Assert.Equal($"{path}: line 2, column 1 ('x'): '-inf' is a missing value; set missing to mean or zero, or exclude the column", LearnError(path, new DataSpec { Label = "y" }));
    }

    [Fact]
    public void Empty_feature_cell_at_encode_without_missing_is_refused()
    {
        var train = _files.Write("train.csv", "x,y", "1,0", "2,1");
        var test = _files.Write("test.csv", "x,y", ",0");

        Assert.Equal($"{test}: line 2, column 1 ('x'): the cell is empty; set missing to mean or zero, or exclude the column", EncodeError(train, test, new DataSpec { Label = "y" }));
    }

    [Fact]
    public void Missing_label_is_refused_even_under_missing_mean()
    {
        var path = _files.Write("ml.csv", "x,y", "1,0", "2,");

        Assert.Equal($"{path}: line 3, column 2 ('y'): the label is missing", LearnError(path, new DataSpec { Label = "y", Missing = "mean" }));
    }

    [Fact]
    public void Excluded_column_that_does_not_exist_names_the_columns()
    {
        var path = _files.Write("x.csv", "a,y", "1,0");

        Assert.Equal($"{path}: excluded column 'date' not found; the columns are: a, y", LearnError(path, new DataSpec { Label = "y", Exclude = ["date"] }));
    }

    [Fact]
    public void Test_file_without_a_training_column_names_it()
    {
        var train = _files.Write("train.csv", "a,b,y", "1,2,0");
        var test = _files.Write("test.csv", "a,y", "1,0");

        Assert.Equal($"{test}: no column 'b', which the training data has; the columns are: a, y", EncodeError(train, test, new DataSpec { Label = "y" }));
    }

    [Fact]
    public void Text_regression_target_is_refused()
    {
        var path = _files.Write("t.csv", "x,y", "1,0.5", "2,abc", "3,1.5", "4,2.5");

        Assert.Equal($"{path}: line 3, column 2 ('y'): 'abc' is not a number, but 3 of the column's 4 values are; fix the cell or exclude the column", LearnError(path, new DataSpec { Label = "y" }));
    }

    [Fact]
    public void Shard_with_different_columns_is_refused()
    {
        var a = _files.Write("a.csv", "x,y", "1,0");
        var b = _files.Write("b.csv", "x,z", "1,0");

        var message = Assert.Throws<DtrainException>(() => _csv.Learn([a, b], new DataSpec { Label = "y" }, _ => true)).Message;

        Assert.Equal($"{b}: column 2 is 'z', but in {a} it is 'y'; every file of a data set must have the same columns", message);
    }

    [Fact]
    public void Duplicate_header_name_is_refused()
    {
        var path = _files.Write("d.csv", "x,x,y", "1,2,0");

        Assert.Equal($"{path}: line 1: the header names column 'x' twice; column names must be unique", LearnError(path, new DataSpec { Label = "y" }));
    }
}
