// What `dtrain data inspect` shows for arrays and images: the one tensor, the labels, the task and class counts.
namespace Dtrain.Models.Data.Formats;

/// <summary>Inspection by learning the schema and counting the encoded examples per class (one streaming pass each).</summary>
public static class ArrayInspection
{
    /// <summary>Describes <paramref name="files"/> as <paramref name="format"/> reads them with <paramref name="spec"/>.</summary>
    public static DataInspection Inspect(IDataFormat format, IReadOnlyList<string> files, DataSpec spec)
    {
        var schema = format.Learn(files, spec, _ => true);
        var counter = new CountingSink(schema.Classes);
        format.Encode(files, schema, counter);
        var columns = new List<ColumnInspection>
        {
            new("features", $"float[{string.Join(",", schema.FeatureShape)}]", 0, -1, "feature", schema.FeatureSize),
        };
        if (schema.Task != LearningTask.Reconstruction)
        {
            columns.Add(new("labels", schema.Task == LearningTask.Classification ? "integer" : $"float[{schema.TargetWidth}]", 0, schema.Task == LearningTask.Classification ? schema.Classes : -1, "label", 0));
        }

        var classCounts = schema.ClassNames?.Select((name, id) => (name, counter.PerClass[id])).ToList();
        return new DataInspection(format.Name, files, counter.Rows, columns, schema.Task, classCounts, schema.FeatureShape);
    }

    private sealed class CountingSink(int classes) : ExampleSink
    {
        public long Rows { get; private set; }

        public long[] PerClass { get; } = new long[classes];

        public override void Write(ReadOnlySpan<float> features, ReadOnlySpan<float> targets)
        {
            Rows++;
            if (PerClass.Length > 0)
            {
                PerClass[(int)targets[0]]++;
            }
        }
    }
}
