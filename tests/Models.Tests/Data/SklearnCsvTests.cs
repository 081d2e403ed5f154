// The CSV files Debian's python3-sklearn ships, read as a user would find them (CI installs the package).
using Dtrain.Models.Data;
using Dtrain.Models.Data.Formats;

namespace Dtrain.Models.Tests.Data;

public sealed class SklearnCsvTests
{
    private const string Folder = "/usr/lib/python3/dist-packages/sklearn/datasets/data";
    private readonly CsvFormat _csv = new();

    [Theory]
    [InlineData("iris.csv", "150,4,setosa,versicolor,virginica")]
    [InlineData("wine_data.csv", "178,13,class_0,class_1,class_2")]
    [InlineData("breast_cancer.csv", "569,30,malignant,benign")]
    [InlineData("boston_house_prices.csv", "506,13,,,,,,,,,,,,")]
    public void Sklearn_preamble_row_is_refused_with_a_hint(string name, string firstLine)
    {
        var path = Path.Combine(Folder, name);

        var message = Assert.Throws<DtrainException>(() => _csv.Learn([path], new DataSpec { Label = "0" }, _ => true)).Message;

        Assert.Equal($"{path}: line 1 ('{firstLine}') looks like scikit-learn's preamble (row count, column count, class names), neither a header nor data: delete that line, or set header: true to read it as the header", message);
    }

    [Fact]
    public void Iris_with_header_true_reads_its_preamble_as_names_and_its_integer_label_as_three_classes()
    {
        var path = Path.Combine(Folder, "iris.csv");

        var schema = _csv.Learn([path], new DataSpec { Label = "virginica", Header = true }, _ => true);
        var sink = new ListSink();
        _csv.Encode([path], schema, sink);

        Assert.Equal(["0", "1", "2"], schema.ClassNames);
        Assert.Equal([4], schema.FeatureShape);
        Assert.Equal(150, sink.Features.Count);
    }

    [Fact]
    public void Digits_gz_without_header_has_ten_classes_in_its_last_column()
    {
        var path = Path.Combine(Folder, "digits.csv.gz");

        var inspection = _csv.Inspect([path], new DataSpec { Label = "64" });

        Assert.Equal(1797, inspection.Rows);
        Assert.Equal(LearningTask.Classification, inspection.Task);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), inspection.ClassCounts!.Select(c => c.Class));
        Assert.Equal([64], inspection.FeatureShape);
    }
}
