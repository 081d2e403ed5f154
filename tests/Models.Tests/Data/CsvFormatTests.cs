// CSV/TSV: schema learning (header, types, categories, classes, statistics) and encoding, on real files in a temp folder.
using Dtrain.Models.Data;
using Dtrain.Models.Data.Formats;

namespace Dtrain.Models.Tests.Data;

public sealed class CsvFormatTests : IDisposable
{
    private readonly TableFiles _files = new();
    private readonly CsvFormat _csv = new();

    public void Dispose() => _files.Dispose();

    private static Func<long, bool> All => _ => true;

    [Fact]
    public void Header_is_detected_when_the_first_row_is_text_over_numbers()
    {
        var path = _files.Write("h.csv", "a,b,y", "1,2,0", "3,4,1");

        var schema = _csv.Learn([path], new DataSpec { Label = "y" }, All);

        Assert.True(schema.Header);
        Assert.Equal(["a", "b", "y"], schema.Columns.Select(c => c.Name));
        Assert.Equal(2, ListSink.Of(_csv, schema, path).Features.Count);
    }

    [Fact]
    public void A_numeric_first_row_is_data_and_the_label_is_a_zero_based_index()
    {
        var path = _files.Write("n.csv", "1,2,0", "3,4,1", "5,6,1");

        var schema = _csv.Learn([path], new DataSpec { Label = "2" }, All);

        Assert.False(schema.Header);
        Assert.Equal(LearningTask.Classification, schema.Task);
        Assert.Equal(["0", "1"], schema.ClassNames);
        Assert.Equal(3, ListSink.Of(_csv, schema, path).Targets.Count);
    }

    [Fact]
    public void A_first_row_of_text_over_text_is_data_in_a_headerless_table_with_a_text_column()
    {
        var path = _files.Write("t.csv", "red,1.5,cat", "blue,2.5,dog");

        var schema = _csv.Learn([path], new DataSpec { Label = "2" }, All);

        Assert.False(schema.Header);
        Assert.Equal(["cat", "dog"], schema.ClassNames);
    }

    [Fact]
    public void Header_can_be_forced_off()
    {
        var path = _files.Write("f.csv", "name,y", "p,a", "q,b");

        var schema = _csv.Learn([path], new DataSpec { Label = "1", Header = false }, All);

        Assert.False(schema.Header);
        Assert.Equal(["a", "b", "y"], schema.ClassNames);
        Assert.Equal(["name", "p", "q"], schema.Columns[0].Categories);
    }

    [Fact]
    public void Text_label_becomes_class_ids_in_sorted_order()
    {
        var path = _files.Write("c.csv", "x,species", "1,virginica", "2,setosa", "3,versicolor", "4,setosa");

        var schema = _csv.Learn([path], new DataSpec { Label = "species" }, All);
        var sink = ListSink.Of(_csv, schema, path);

        Assert.Equal(["setosa", "versicolor", "virginica"], schema.ClassNames);
        Assert.Equal([2f, 0f, 1f, 0f], sink.Targets.Select(t => t[0]));
    }

    [Fact]
    public void Integer_label_with_few_values_is_classification_in_numeric_order()
    {
        var path = _files.Write("i.csv", "x,y", "1,10", "2,9", "3,2", "4,10.0");

        var schema = _csv.Learn([path], new DataSpec { Label = "y" }, All);
        var sink = ListSink.Of(_csv, schema, path);

        Assert.Equal(LearningTask.Classification, schema.Task);
        Assert.Equal(["2", "9", "10"], schema.ClassNames);
        Assert.Equal([2f, 1f, 0f, 2f], sink.Targets.Select(t => t[0]));
    }

    [Fact]
    public void Integer_label_with_more_than_100_values_is_regression()
    {
        var lines = new[] { "x,y" }.Concat(Enumerable.Range(0, 101).Select(i => $"{i},{i * 3}")).ToArray();
        var path = _files.Write("r.csv", lines);

        var schema = _csv.Learn([path], new DataSpec { Label = "y" }, All);

        Assert.Equal(LearningTask.Regression, schema.Task);
    }

    [Fact]
    public void Float_label_is_regression_with_standardised_targets()
    {
        var path = _files.Write("f.csv", "x,y", "1,1.5", "2,2.5", "3,3.5");

        var schema = _csv.Learn([path], new DataSpec { Label = "y" }, All);
        var sink = ListSink.Of(_csv, schema, path);

        Assert.Equal(LearningTask.Regression, schema.Task);
        Assert.Equal(2.5f, schema.TargetShift![0], 5);
        Assert.Equal(1 / MathF.Sqrt(2f / 3), schema.TargetScale![0], 4);
        Assert.Equal(0f, sink.Targets[1][0], 5);
        Assert.Equal(-sink.Targets[0][0], sink.Targets[2][0], 5);
    }

    [Fact]
    public void Two_target_columns_make_a_regression_of_width_two()
    {
        var path = _files.Write("m.csv", "x,y1,y2", "1,1.5,10", "2,2.5,20", "3,3.5,31");

        var schema = _csv.Learn([path], new DataSpec { Label = "y1,y2" }, All);
        var sink = ListSink.Of(_csv, schema, path);

        Assert.Equal(2, schema.TargetWidth);
        Assert.Equal([1], schema.FeatureShape);
        Assert.Equal(2, sink.Targets[0].Length);
    }

    [Fact]
    public void Task_given_as_classification_makes_classes_of_float_labels()
    {
        var path = _files.Write("g.csv", "x,y", "1,0.5", "2,1.5", "3,0.5");

        var schema = _csv.Learn([path], new DataSpec { Label = "y", Task = LearningTask.Classification }, All);

        Assert.Equal(["0.5", "1.5"], schema.ClassNames);
    }

    [Fact]
    public void Text_feature_becomes_one_hot_over_its_sorted_categories()
    {
        var path = _files.Write("o.csv", "colour,y", "red,0", "blue,1", "green,0", "blue,1");

        var schema = _csv.Learn([path], new DataSpec { Label = "y" }, All);
        var sink = ListSink.Of(_csv, schema, path);

        Assert.Equal(["blue", "green", "red"], schema.Columns[0].Categories);
        Assert.Equal([3], schema.FeatureShape);
        Assert.Equal([0f, 0f, 1f], sink.Features[0]);
        Assert.Equal([1f, 0f, 0f], sink.Features[1]);
    }

    [Fact]
    public void Unseen_category_at_test_time_encodes_as_an_all_zero_one_hot()
    {
        var train = _files.Write("train.csv", "colour,x,y", "red,1,0", "blue,2,1");
        var test = _files.Write("test.csv", "colour,x,y", "purple,1,0");

        var schema = _csv.Learn([train], new DataSpec { Label = "y", Normalize = "none" }, All);
        var sink = ListSink.Of(_csv, schema, test);

        Assert.Equal([0f, 0f, 1f], sink.Features[0]);
    }

    [Fact]
    public void Standard_normalisation_uses_training_rows_only()
    {
        var path = _files.Write("s.csv", "x,y", "1,0", "3,1", "100,0");

        var schema = _csv.Learn([path], new DataSpec { Label = "y" }, row => row < 2);

        Assert.Equal(2f, schema.Columns[0].Shift);
        Assert.Equal(1f, schema.Columns[0].Scale);
        Assert.Equal(98f, ListSink.Of(_csv, schema, path).Features[2][0]);
    }

    [Fact]
    public void Minmax_normalisation_maps_the_training_range_to_zero_one()
    {
        var path = _files.Write("mm.csv", "x,y", "2,0", "4,1", "6,0");

        var schema = _csv.Learn([path], new DataSpec { Label = "y", Normalize = "minmax" }, All);

        Assert.Equal([0f, 0.5f, 1f], ListSink.Of(_csv, schema, path).Features.Select(f => f[0]));
    }

    [Fact]
    public void Missing_mean_fills_empty_NA_nan_and_inf_cells_with_the_training_mean()
    {
        var path = _files.Write("mi.csv", "x,y", "2,0", ",1", "4,0", "NA,1", "nan,0", "inf,1");

        var schema = _csv.Learn([path], new DataSpec { Label = "y", Missing = "mean", Normalize = "none" }, All);
        var sink = ListSink.Of(_csv, schema, path);

        Assert.Equal([2f, 3f, 4f, 3f, 3f, 3f], sink.Features.Select(f => f[0]));
    }

    [Fact]
    public void Missing_zero_fills_with_raw_zero()
    {
        var path = _files.Write("mz.csv", "x,y", "2,0", "NaN,1", "4,0");

        var schema = _csv.Learn([path], new DataSpec { Label = "y", Missing = "zero", Normalize = "none" }, All);

        Assert.Equal([2f, 0f, 4f], ListSink.Of(_csv, schema, path).Features.Select(f => f[0]));
    }

    [Fact]
    public void Excluded_columns_are_left_out_by_name_or_index()
    {
        var path = _files.Write("e.csv", "id,date,x,y", "1,2020,5,0", "2,2021,6,1");

        var schema = _csv.Learn([path], new DataSpec { Label = "y", Exclude = ["id", "1"] }, All);

        Assert.Equal([ColumnRole.Excluded, ColumnRole.Excluded, ColumnRole.Feature, ColumnRole.Label], schema.Columns.Select(c => c.Role));
        Assert.Equal([1], schema.FeatureShape);
    }

    [Fact]
    public void Quoted_fields_with_separators_and_quotes_are_unescaped()
    {
        var path = _files.Write("q.csv", "name,x,y", "\"Smith, J\",1,a", "\"say \"\"hi\"\"\",2,b");

        var schema = _csv.Learn([path], new DataSpec { Label = "y" }, All);

        Assert.Equal(["Smith, J", "say \"hi\""], schema.Columns[0].Categories);
    }

    [Fact]
    public void Gzipped_csv_reads_as_plain()
    {
        var path = _files.Write("z.csv.gz", "x,y", "1,a", "2,b");

        var schema = _csv.Learn([path], new DataSpec { Label = "y" }, All);

        Assert.Equal(2, ListSink.Of(_csv, schema, path).Features.Count);
        Assert.Same(DataFormats.For(path, null).GetType(), typeof(CsvFormat));
    }

    [Fact]
    public void Tsv_is_split_on_tabs()
    {
        var tsv = new TsvFormat();
        var path = _files.Write("t.tsv", "a\tb\ty", "p, q\t2\tx", "r\t4\tz");

        var schema = tsv.Learn([path], new DataSpec { Label = "y" }, All);

        Assert.Equal(["p, q", "r"], schema.Columns[0].Categories);
        Assert.Equal(ColumnKind.Categorical, schema.Columns[0].Kind);
        Assert.Equal(["x", "z"], schema.ClassNames);
    }

    [Fact]
    public void Test_file_with_reordered_columns_is_matched_by_name()
    {
        var train = _files.Write("train.csv", "a,b,y", "1,10,0", "2,20,1");
        var test = _files.Write("test.csv", "y,b,a", "1,20,2");

        var schema = _csv.Learn([train], new DataSpec { Label = "y", Normalize = "none" }, All);
        var sink = ListSink.Of(_csv, schema, test);

        Assert.Equal([2f, 20f], sink.Features[0]);
        Assert.Equal([1f], sink.Targets[0]);
    }

    [Fact]
    public void Prediction_input_without_the_label_column_gets_NaN_targets()
    {
        var train = _files.Write("train.csv", "a,y", "1,0", "2,1");
        var input = _files.Write("input.csv", "a", "5");

        var schema = _csv.Learn([train], new DataSpec { Label = "y" }, All);
        var sink = ListSink.Of(_csv, schema, input);

        Assert.True(float.IsNaN(sink.Targets[0][0]));
    }

    [Fact]
    public void Schema_round_trips_through_json_and_encodes_the_same()
    {
        var path = _files.Write("j.csv", "c,x,y", "u,1,a", "v,2,b", "u,4,a");

        var schema = _csv.Learn([path], new DataSpec { Label = "y", Missing = "mean" }, All);
        var again = DataSchema.FromJson(schema.ToJson(), "test");

        Assert.Equal(ListSink.Of(_csv, schema, path).Features.SelectMany(f => f), ListSink.Of(_csv, again, path).Features.SelectMany(f => f));
        Assert.Equal("mean", again.Missing);
    }

    [Fact]
    public void Shards_in_a_folder_are_rows_numbered_across_files()
    {
        _files.Write("part-0.csv", "x,y", "1,0", "2,1");
        _files.Write("part-1.csv", "x,y", "3,0", "1000,1");
        var files = DataFiles.Expand(_files.Folder, _csv.Extensions);

        var schema = _csv.Learn(files, new DataSpec { Label = "y" }, row => row != 3);

        Assert.Equal(2f, schema.Columns[0].Shift);
    }

    [Fact]
    public void Inspect_reports_types_missing_distinct_roles_widths_and_class_counts()
    {
        var path = _files.Write("in.csv", "id,colour,x,y", "1,red,1.5,a", "2,blue,,b", "3,red,2.5,a");

        var inspection = _csv.Inspect([path], new DataSpec { Label = "y", Exclude = ["id"] });

        Assert.Equal(3, inspection.Rows);
        Assert.Equal(LearningTask.Classification, inspection.Task);
        Assert.Equal([3], inspection.FeatureShape);
        var colour = inspection.Columns[1];
        Assert.Equal(("text", 2, "feature", 2), (colour.Type, colour.Distinct, colour.Role, colour.EncodedWidth));
        Assert.Equal(1, inspection.Columns[2].Missing);
        Assert.Equal("excluded", inspection.Columns[0].Role);
        Assert.Equal([("a", 2L), ("b", 1L)], inspection.ClassCounts!);
    }
    [Fact]
    public void Headerless_prediction_input_without_the_label_column_gets_NaN_targets()
    {
        var train = _files.Write("train.csv", "1,0,5", "2,1,6");
        var input = _files.Write("input.csv", "1,5");

        var schema = _csv.Learn([train], new DataSpec { Label = "1", Normalize = "none" }, All);
        var sink = ListSink.Of(_csv, schema, input);

        Assert.Equal([1f, 5f], sink.Features[0]);
        Assert.True(float.IsNaN(sink.Targets[0][0]));
    }

    [Fact]
    public void Blank_lines_are_skipped()
    {
        var path = _files.Write("b.csv", "x,y", "1,0", "", "2,1", "");

        var schema = _csv.Learn([path], new DataSpec { Label = "y" }, All);

        Assert.Equal(2, ListSink.Of(_csv, schema, path).Features.Count);
    }

    [Fact]
    public void Numeric_feature_with_more_than_a_thousand_distinct_values_stays_numeric()
    {
        var lines = new[] { "x,y" }.Concat(Enumerable.Range(0, 1500).Select(i => $"{i * 0.5},{i % 2}")).ToArray();
        var path = _files.Write("wide.csv", lines);

        var schema = _csv.Learn([path], new DataSpec { Label = "y" }, All);

        Assert.Equal(ColumnKind.Numeric, schema.Columns[0].Kind);
        Assert.Equal(374.75f, schema.Columns[0].Shift, 2);
    }

    [Fact]
    public void Text_column_with_more_than_a_thousand_values_is_refused_as_an_id()
    {
        var lines = new[] { "name,y" }.Concat(Enumerable.Range(0, 1001).Select(i => $"user{i},{i % 2}")).ToArray();
        var path = _files.Write("ids.csv", lines);

        var message = Assert.Throws<DtrainException>(() => _csv.Learn([path], new DataSpec { Label = "y" }, All)).Message;

        Assert.Equal($"{path}: column 'name' has more than 1000 distinct values and some text (an id or free text?); exclude it", message);
    }

    [Fact]
    public void Numbers_in_a_text_column_are_categories_by_their_value()
    {
        var train = _files.Write("train.csv", "size,y", "S,0", "M,1", "2,0", "XL,1");
        var test = _files.Write("test.csv", "size,y", "2.0,0");

        var schema = _csv.Learn([train], new DataSpec { Label = "y" }, All);

        Assert.Equal(["2", "M", "S", "XL"], schema.Columns[0].Categories);
        Assert.Equal([1f, 0f, 0f, 0f], ListSink.Of(_csv, schema, test).Features[0]);
    }

    [Fact]
    public void Tsv_extension_selects_the_tsv_format()
    {
        Assert.IsType<TsvFormat>(DataFormats.For("data/train.tsv.gz", null));
    }
}
