// dtrain data inspect: the tables it prints for a CSV, its one-line refusals, and its dispatch to other formats.
namespace Dtrain.Cli.Tests;

public sealed class DataInspectCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dtrain-inspect-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, params string[] lines)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    private static string Inspect(params string[] args)
    {
        var output = new StringWriter();
        DataCommand.Inspect(CommandLine.Parse(["inspect", .. args]), output);
        return output.ToString();
    }

    [Fact]
    public void Data_inspect_prints_columns_with_types_missing_distinct_roles_and_widths()
    {
        var path = Write("weather.csv", "date,city,temp,weather", "d1,oslo,3.5,rain", "d2,rome,,sun", "d3,oslo,1.0,rain");

        var lines = Inspect(path, "--label", "weather", "--exclude", "date").Split('\n').Select(l => l.TrimEnd()).ToList();

        Assert.Equal($"{path}: csv, 1 file, 3 rows", lines[0]);
        Assert.Contains("column   type     missing  distinct  role      width", lines);
        Assert.Contains("date     text     0        3         excluded  0", lines);
        Assert.Contains("city     text     0        2         feature   2", lines);
        Assert.Contains("temp     numeric  1        2         feature   1", lines);
        Assert.Contains("weather  text     0        2         label     0", lines);
        Assert.Contains("task: classification (2 classes)", lines);
        Assert.Contains("encoded width: 3 (features [3])", lines);
        Assert.Contains("0   rain   2      66.7%", lines);
        Assert.Contains("1   sun    1      33.3%", lines);
    }

    [Fact]
    public void Data_inspect_without_a_label_suggests_one()
    {
        var path = Write("x.csv", "a,b", "1,2", "3,4");

        var text = Inspect(path);

        Assert.Contains("task: reconstruction", text);
        Assert.Contains("no label column: give --label COL", text);
    }

    [Fact]
    public void Data_inspect_of_a_float_label_reports_regression()
    {
        var path = Write("r.csv", "x,y", "1,0.5", "2,1.25");

        Assert.Contains("task: regression", Inspect(path, "--label", "y"));
    }

    [Fact]
    public void Data_inspect_dispatches_to_the_idx_format_for_fashion_mnist()
    {
        var text = Inspect("/usr/share/datasets/fashion-mnist", "--format", "idx");

        Assert.Contains("60,000 rows", text);
        Assert.Contains("task: classification (10 classes)", text);
        Assert.Contains("encoded width: 784", text);
    }

    [Fact]
    public void Data_inspect_of_a_ragged_csv_exits_1_with_one_line_naming_file_and_line()
    {
        var path = Write("bad.csv", "x,y", "1,0", "2,1,5");

        var result = DtrainProcess.Run(TimeSpan.FromMinutes(2), "data", "inspect", path, "--label", "y");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"dtrain: error: {path}: line 3 has 3 fields, but the header (line 1) has 2", result.Stderr.TrimEnd());
    }

    [Fact]
    public void Data_inspect_of_an_unknown_label_names_the_columns()
    {
        var path = Write("l.csv", "a,b", "1,2");

        var message = Assert.Throws<Models.DtrainException>(() => Inspect(path, "--label", "c")).Message;

        Assert.Equal($"{path}: label column 'c' not found; the columns are: a, b", message);
    }

    [Fact]
    public void Data_inspect_rejects_an_unknown_task()
    {
        var path = Write("t.csv", "a,b", "1,2");

        Assert.Throws<UsageException>(() => Inspect(path, "--task", "clustering"));
    }
}
