// dtrain data: with no subcommand, makes sure MNIST is on disk (fetching it into the cache if needed) and prints its
// folder; `dtrain data inspect PATH` prints what a data set holds and how dtrain would encode it.
using System.Globalization;
using Dtrain.Models;
using Dtrain.Models.Data;

namespace Dtrain.Cli;

/// <summary>The <c>data</c> subcommand.</summary>
public static class DataCommand
{
    /// <summary>Runs the command; for the MNIST fetch the folder is the last line printed.</summary>
    public static int Run(CommandLine cl)
    {
        if (cl.Positional is ["inspect", ..])
        {
            return Inspect(cl, Console.Out);
        }

        var dataDir = cl.String("--data-dir");
        cl.RejectUnknown();
        if (cl.Positional.Count > 0)
        {
            throw new UsageException($"unknown data subcommand '{cl.Positional[0]}'; known: inspect");
        }

        var folder = Mnist.Ensure(dataDir, Console.Out);
        var (train, test) = Mnist.Load(folder);
        Console.WriteLine($"MNIST: {train.Count:N0} training and {test.Count:N0} test examples of {train.FeatureSize} features");
        Console.WriteLine(folder);
        return 0;
    }

    /// <summary>
    /// <c>dtrain data inspect PATH [--label COL] [--format F] [--task T] [--exclude A,B] [--header true|false]</c>:
    /// the columns (or the tensor) with inferred types, missing and distinct counts, roles and encoded widths, the
    /// rows, class counts and the encoded width, through the format's own <see cref="IDataFormat.Inspect"/>.
    /// </summary>
    public static int Inspect(CommandLine cl, TextWriter output)
    {
        var path = cl.Positional.Count == 2 ? cl.Positional[1] : throw new UsageException("usage: dtrain data inspect PATH [--label COL] [--format F] [--task T] [--exclude A,B] [--header true|false]");
        var taskName = cl.String("--task");
        var headerText = cl.String("--header");
        var spec = new DataSpec
        {
            Train = path,
            Label = cl.String("--label"),
            Format = cl.String("--format"),
            Task = taskName is null ? null : LearningTasks.Parse(taskName) ?? throw new UsageException($"--task '{taskName}' is not known; known: {string.Join(", ", LearningTasks.Names)}"),
            Exclude = cl.String("--exclude")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [],
            Header = headerText switch
            {
                null => null,
                "true" => true,
                "false" => false,
                _ => throw new UsageException($"--header expects true or false, got '{headerText}'"),
            },
        };
        cl.RejectUnknown();
        if (spec.FirstProblem() is { } problem)
        {
            throw new UsageException(problem);
        }

        var format = DataFormats.For(path, spec.Format);
        var files = format.Expand(path, test: false);
        var inspection = format.Inspect(files, spec);
        Print(inspection, path, output);
        return 0;
    }

    /// <summary>Writes an inspection as tables.</summary>
    public static void Print(DataInspection inspection, string path, TextWriter output)
    {
        var files = inspection.Files.Count == 1 ? "1 file" : $"{inspection.Files.Count} files";
        output.WriteLine($"{Printable.Of(path)}: {inspection.Format}, {files}, {inspection.Rows.ToString("N0", CultureInfo.InvariantCulture)} rows");
        output.WriteLine();
        var columns = new Table("column", "type", "missing", "distinct", "role", "width");
        foreach (var c in inspection.Columns)
        {
            columns.Add(
                Printable.Of(c.Name),
                c.Type,
                c.Missing.ToString(CultureInfo.InvariantCulture),
                c.Distinct < 0 ? "-" : c.Distinct.ToString(CultureInfo.InvariantCulture),
                c.Role,
                c.EncodedWidth.ToString(CultureInfo.InvariantCulture));
        }

        columns.Print(output);
        output.WriteLine();
        var shape = $"[{string.Join(", ", inspection.FeatureShape)}]";
        var width = inspection.FeatureShape.Aggregate(1L, (size, d) => size * d);
        output.WriteLine($"task: {inspection.Task.Name()}{(inspection.ClassCounts is { } cc ? $" ({cc.Count} classes)" : "")}");
        output.WriteLine($"encoded width: {width} (features {shape})");
        if (inspection.ClassCounts is { } counts)
        {
            output.WriteLine();
            var classes = new Table("id", "class", "count", "share");
            var total = Math.Max(1, counts.Sum(c => c.Count));
            for (var i = 0; i < counts.Count; i++)
            {
                classes.Add(
                    i.ToString(CultureInfo.InvariantCulture),
                    Printable.Of(counts[i].Class),
                    counts[i].Count.ToString(CultureInfo.InvariantCulture),
                    (100.0 * counts[i].Count / total).ToString("F1", CultureInfo.InvariantCulture) + "%");
            }

            classes.Print(output);
        }
        else if (inspection.Task == LearningTask.Reconstruction && inspection.Columns.All(c => c.Role != "label"))
        {
            output.WriteLine("no label column: give --label COL (a name, or a 0-based index) for classification or regression");
        }
    }
}
