// A minimal test-only data format, so the preparer and the cache are tested apart from the real formats: each line of
// a .lines file is "f1 f2 ... fn|label". Learn centres the features on the training rows' mean (so a test can tell
// which rows it learned from); the label is a class id unless the task says regression or reconstruction.
using System.Globalization;
using Dtrain.Models.Data;

namespace Dtrain.Models.Tests.Data;

internal sealed class LinesFormat : IDataFormat
{
    public string Name => "lines";

    public IReadOnlyList<string> Extensions { get; } = [".lines"];

    /// <summary>How many times Learn and Encode ran (a reused cache runs neither).</summary>
    public int Learned { get; private set; }

    public int Encoded { get; private set; }

    public DataSchema Learn(IReadOnlyList<string> files, DataSpec spec, Func<long, bool> inTraining)
    {
        Learned++;
        double[]? sum = null;
        long count = 0, row = 0;
        var classes = 0;
        foreach (var (features, label) in Rows(files))
        {
            sum ??= new double[features.Length];
            if (inTraining(row++))
            {
                for (var i = 0; i < features.Length; i++)
                {
                    sum[i] += features[i];
                }

                classes = Math.Max(classes, (int)label + 1);
                count++;
            }
        }

        var task = spec.Task ?? LearningTask.Classification;
        var width = sum!.Length;
        return new DataSchema
        {
            Format = Name,
            Task = task,
            FeatureShape = [width],
            TargetWidth = task switch { LearningTask.Classification => 1, LearningTask.Regression => 1, _ => width },
            ClassNames = task == LearningTask.Classification ? Enumerable.Range(0, classes).Select(c => $"c{c}").ToArray() : null,
            FeatureShift = sum.Select(s => count == 0 ? 0f : (float)(s / count)).ToArray(),
        };
    }

    public void Encode(IReadOnlyList<string> files, DataSchema schema, ExampleSink sink)
    {
        Encoded++;
        foreach (var (features, label) in Rows(files))
        {
            for (var i = 0; i < features.Length; i++)
            {
                features[i] -= schema.FeatureShift![i];
            }

            sink.Write(features, schema.Task == LearningTask.Reconstruction ? [] : [label]);
        }
    }

    public DataInspection Inspect(IReadOnlyList<string> files, DataSpec spec) => throw new NotSupportedException();

    /// <summary>Writes <paramref name="rows"/> examples to <paramref name="path"/>: row r has features r, 2r, 3r and label r % 3.</summary>
    public static void Write(string path, int rows, int width = 3)
    {
        using var w = new StreamWriter(path);
        for (var r = 0; r < rows; r++)
        {
            w.WriteLine(string.Join(' ', Enumerable.Range(1, width).Select(k => (r * k).ToString(CultureInfo.InvariantCulture))) + "|" + (r % 3).ToString(CultureInfo.InvariantCulture));
        }
    }

    private static IEnumerable<(float[] Features, float Label)> Rows(IReadOnlyList<string> files)
    {
        foreach (var file in files)
        {
            foreach (var line in File.ReadLines(file))
            {
                var parts = line.Split('|');
                yield return (parts[0].Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray(), float.Parse(parts[1], CultureInfo.InvariantCulture));
            }
        }
    }
}
