// The learn and encode passes shared by the array formats (NPY, NPZ, IDX): a features array and an optional labels
// array, read one example at a time. Integer labels mean classification, float labels regression, none reconstruction.
namespace Dtrain.Models.Data.Formats;

/// <summary>One features array and its labels array (null when there are none).</summary>
/// <param name="Features">The examples; the first axis counts them.</param>
/// <param name="Labels">One label (or a row of targets) per example, or null.</param>
public sealed record ArrayPair(TensorReader Features, TensorReader? Labels) : IDisposable
{
    /// <inheritdoc/>
    public void Dispose()
    {
        Features.Dispose();
        Labels?.Dispose();
    }
}

/// <summary>Learns a schema from array pairs and encodes them with one, streaming.</summary>
public static class ArrayEncoding
{
    /// <summary>Class ids above this are refused: a label array of such values is surely not class ids.</summary>
    public const int MaxClasses = 1 << 16;

    /// <summary>
    /// One pass over every example of <paramref name="pairs"/> (opened one at a time): the example shape (all files
    /// alike), the task (from the labels' type unless <c>spec.Task</c> says), the class count (largest id + 1, over
    /// all rows, so a rare class held out for validation still has its id) and, for <c>normalize</c>, per-feature
    /// statistics from the training rows only.
    /// </summary>
    public static DataSchema Learn(string format, IEnumerable<Func<ArrayPair>> pairs, DataSpec spec, Func<long, bool> inTraining, IReadOnlyDictionary<string, string>? labelFiles)
    {
        int[]? shape = null;
        string? firstFile = null;
        LearningTask? task = spec.Task;
        int targetWidth = 0;
        long maxClass = -1;
        long row = 0, trainingRows = 0;
        var normalize = spec.Normalize ?? "none";
        double[]? sum = null, sumSquares = null, min = null, max = null;
        foreach (var open in pairs)
        {
            using var pair = open();
            var (features, labels) = (pair.Features, pair.Labels);
            if (shape is null)
            {
                (shape, firstFile) = (features.ExampleShape.Length == 0 ? [1] : features.ExampleShape, features.Path);
                task ??= labels is null ? LearningTask.Reconstruction : labels.IsInteger ? LearningTask.Classification : LearningTask.Regression;
                if (task != LearningTask.Reconstruction && labels is null)
                {
                    throw new DtrainException($"{features.Path}: the task is {task.Value.Name()} but no labels were found (looked for {string.Join(", ", CompanionLabels.Candidates(features.Path).Select(Path.GetFileName))}; or name the labels file in training.data.label)");
                }

                targetWidth = task switch
                {
                    LearningTask.Classification => 1,
                    LearningTask.Regression => labels!.ExampleSize,
                    _ => 0,
                };
                if (normalize != "none")
                {
                    int size = shape.Aggregate(1, (a, b) => a * b);
                    (sum, sumSquares, min, max) = (new double[size], new double[size], new double[size], new double[size]);
                    Array.Fill(min, double.PositiveInfinity);
                    Array.Fill(max, double.NegativeInfinity);
                }
            }
            else if (!features.ExampleShape.SequenceEqual(shape) && !(features.ExampleShape.Length == 0 && shape is [1]))
            {
                throw new DtrainException($"{features.Path}: examples of shape [{string.Join(", ", features.ExampleShape)}] differ from [{string.Join(", ", shape)}] in '{firstFile}'");
            }

            CheckLabels(features, task!.Value == LearningTask.Reconstruction ? null : labels, task.Value, targetWidth);
            var values = new float[features.ExampleSize];
            var targets = new double[labels?.ExampleSize ?? 0];
            for (long i = 0; i < features.Count; i++, row++)
            {
                features.ReadFloats(values, scaleBytes: true);
                if (task == LearningTask.Classification)
                {
                    labels!.ReadDoubles(targets);
                    maxClass = Math.Max(maxClass, ClassId(targets[0], labels, i, long.MaxValue));
                }

                if (sum is not null && inTraining(row))
                {
                    trainingRows++;
                    for (int f = 0; f < values.Length; f++)
                    {
                        double v = values[f];
                        sum[f] += v;
                        sumSquares![f] += v * v;
                        min![f] = Math.Min(min[f], v);
                        max![f] = Math.Max(max[f], v);
                    }
                }
            }
        }

        if (shape is null || row == 0)
        {
            throw new DtrainException($"{firstFile ?? "training data"}: holds no examples");
        }

        if (task == LearningTask.Classification && maxClass + 1 > MaxClasses)
        {
            throw new DtrainException($"{firstFile}: class id {maxClass} is larger than {MaxClasses - 1}; class ids must be 0..K-1");
        }

        var (shift, scale) = Statistics(normalize, sum, sumSquares, min, max, trainingRows);
        int featureSize = shape.Aggregate(1, (a, b) => a * b);
        return new DataSchema
        {
            Format = format,
            Task = task!.Value,
            FeatureShape = shape,
            TargetWidth = task switch { LearningTask.Reconstruction => featureSize, _ => targetWidth },
            ClassNames = task == LearningTask.Classification ? Enumerable.Range(0, (int)maxClass + 1).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray() : null,
            FeatureShift = shift,
            FeatureScale = scale,
            LabelFiles = labelFiles is { Count: > 0 } ? labelFiles : null,
        };
    }

    /// <summary>Encodes every example of <paramref name="pairs"/> with <paramref name="schema"/>, in order, into <paramref name="sink"/>.</summary>
    public static void Encode(IEnumerable<Func<ArrayPair>> pairs, DataSchema schema, ExampleSink sink)
    {
        var values = new float[schema.FeatureSize];
        var targets = new float[schema.Task == LearningTask.Reconstruction ? 0 : schema.TargetWidth];
        foreach (var open in pairs)
        {
            using var pair = open();
            var (features, labels) = (pair.Features, pair.Labels);
            var shape = features.ExampleShape.Length == 0 ? [1] : features.ExampleShape;
            if (!shape.SequenceEqual(schema.FeatureShape))
            {
                throw new DtrainException($"{features.Path}: examples of shape [{string.Join(", ", shape)}] differ from the [{string.Join(", ", schema.FeatureShape)}] the model was trained on");
            }

            if (schema.Task != LearningTask.Reconstruction && labels is null)
            {
                throw new DtrainException($"{features.Path}: no labels file was found for it (looked for {string.Join(", ", CompanionLabels.Candidates(features.Path).Select(Path.GetFileName))})");
            }

            var labelsUsed = schema.Task == LearningTask.Reconstruction ? null : labels;
            CheckLabels(features, labelsUsed, schema.Task, schema.TargetWidth);
            var raw = new double[labelsUsed?.ExampleSize ?? 0];
            for (long i = 0; i < features.Count; i++)
            {
                features.ReadFloats(values, scaleBytes: true);
                CheckFinite(values, features.Path, i);
                Normalize(values, schema.FeatureShift, schema.FeatureScale);
                if (labelsUsed is not null)
                {
                    labelsUsed.ReadDoubles(raw);
                    if (schema.Task == LearningTask.Classification)
                    {
                        targets[0] = ClassId(raw[0], labelsUsed, i, schema.Classes);
                    }
                    else
                    {
                        for (int t = 0; t < raw.Length; t++)
                        {
                            targets[t] = (float)raw[t];
                        }
                    }
                }

                sink.Write(values, targets);
            }

            features.CheckEnd();
            labelsUsed?.CheckEnd();
        }
    }

    /// <summary>Applies <c>(x - shift) * scale</c>, each either one value for all features or one per feature.</summary>
    public static void Normalize(Span<float> values, float[]? shift, float[]? scale)
    {
        if (shift is null && scale is null)
        {
            return;
        }

        for (int f = 0; f < values.Length; f++)
        {
            float s = shift is null ? 0 : shift.Length == 1 ? shift[0] : shift[f];
            float k = scale is null ? 1 : scale.Length == 1 ? scale[0] : scale[f];
            values[f] = (values[f] - s) * k;
        }
    }

    /// <summary>Per-feature shift and scale for <c>standard</c> (mean, 1/std) or <c>minmax</c> (min, 1/(max-min)); a constant feature keeps scale 1.</summary>
    public static (float[]? Shift, float[]? Scale) Statistics(string normalize, double[]? sum, double[]? sumSquares, double[]? min, double[]? max, long rows)
    {
        if (normalize == "none" || sum is null || rows == 0)
        {
            return (null, null);
        }

        var shift = new float[sum.Length];
        var scale = new float[sum.Length];
        for (int f = 0; f < sum.Length; f++)
        {
            if (normalize == "standard")
            {
                double mean = sum[f] / rows;
                double std = Math.Sqrt(Math.Max(0, sumSquares![f] / rows - mean * mean));
                (shift[f], scale[f]) = ((float)mean, std > 1e-12 ? (float)(1 / std) : 1f);
            }
            else
            {
                double range = max![f] - min![f];
                (shift[f], scale[f]) = ((float)min[f], range > 1e-12 ? (float)(1 / range) : 1f);
            }
        }

        return (shift, scale);
    }

    private static void CheckLabels(TensorReader features, TensorReader? labels, LearningTask task, int targetWidth)
    {
        if (labels is null)
        {
            return;
        }

        if (labels.Count != features.Count)
        {
            throw new DtrainException($"{labels.Path}: holds {labels.Count} labels but '{features.Path}' holds {features.Count} examples");
        }

        if (task == LearningTask.Classification && labels.ExampleSize != 1)
        {
            throw new DtrainException($"{labels.Path}: class labels must be one per example, got shape [{string.Join(", ", labels.ExampleShape)}] per example");
        }

        if (task == LearningTask.Regression && labels.ExampleSize != targetWidth)
        {
            throw new DtrainException($"{labels.Path}: {labels.ExampleSize} targets per example, but the model was trained on {targetWidth}");
        }
    }

    private static void CheckFinite(ReadOnlySpan<float> values, string path, long index)
    {
        for (int f = 0; f < values.Length; f++)
        {
            if (!float.IsFinite(values[f]))
            {
                throw new DtrainException($"{path}: example {index}, feature {f}: {values[f]} is not a finite number");
            }
        }
    }

    private static int ClassId(double value, TensorReader labels, long index, long classes)
    {
        if (value != Math.Floor(value) || value < 0 || value >= MaxClasses)
        {
            throw new DtrainException($"{labels.Path}: example {index}: label {value} is not a class id (an integer in 0..K-1)");
        }

        if (value >= classes)
        {
            throw new DtrainException($"{labels.Path}: example {index}: class {value} was never seen in training (classes 0..{classes - 1})");
        }

        return (int)value;
    }
}
