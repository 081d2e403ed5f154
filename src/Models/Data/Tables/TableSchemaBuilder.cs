// Turns what the learning pass saw into a DataSchema: each column's kind (numbers or text categories), its slots and
// normalisation, the task and class names from the label column, and the target standardisation for regression.
using System.Globalization;

namespace Dtrain.Models.Data.Tables;

/// <summary>Builds table schemas and inspections from a <see cref="TableSurvey"/>.</summary>
internal static class TableSchemaBuilder
{
    /// <summary>A label of integers with at most this many distinct values is classification when the task is not given.</summary>
    public const int MaxInferredClasses = 100;

    /// <summary>The schema for <paramref name="survey"/> under <paramref name="spec"/>.</summary>
    public static DataSchema Build(TableSurvey survey, DataSpec spec, string format, string file)
    {
        var task = InferTask(survey, spec, file);
        var normalize = spec.Normalize ?? "standard";
        var encodings = new List<ColumnEncoding>();
        var featureOffset = 0;
        var targetOffset = 0;
        IReadOnlyList<string>? classNames = null;
        var targetShift = new List<float>();
        var targetScale = new List<float>();
        foreach (var c in survey.Columns)
        {
            switch (c.Role)
            {
                case ColumnRole.Excluded:
                    encodings.Add(new ColumnEncoding { Name = c.Name, Index = c.Index, Role = c.Role, Kind = c.Texts > 0 ? ColumnKind.Categorical : ColumnKind.Numeric });
                    break;
                case ColumnRole.Label when task == LearningTask.Classification:
                    var (kind, names) = Classes(c, file);
                    classNames = names;
                    encodings.Add(new ColumnEncoding { Name = c.Name, Index = c.Index, Role = c.Role, Kind = kind, Categories = names, Offset = 0 });
                    break;
                case ColumnRole.Label when task == LearningTask.Regression:
                    if (c.Texts > 0)
                    {
                        throw new DtrainException($"{file}: {c.FirstText!.Value.Where}: the regression target '{c.FirstText.Value.Value}' is not a number");
                    }

                    var std = c.Std;
                    targetShift.Add((float)c.Mean);
                    targetScale.Add(std > 0 ? (float)(1 / std) : 1f);
                    encodings.Add(new ColumnEncoding { Name = c.Name, Index = c.Index, Role = c.Role, Kind = ColumnKind.Numeric, Shift = (float)c.Mean, Scale = std > 0 ? (float)(1 / std) : 1f, Offset = targetOffset++ });
                    break;
                case ColumnRole.Label:
                    // Reconstruction: the label column is read by no one; it stays out of the features.
                    encodings.Add(new ColumnEncoding { Name = c.Name, Index = c.Index, Role = c.Role, Kind = ColumnKind.Numeric });
                    break;
                default:
                    var encoding = Feature(c, normalize, spec.Missing, file) with { Offset = featureOffset };
                    featureOffset += encoding.Kind == ColumnKind.Categorical ? encoding.Categories!.Count : 1;
                    encodings.Add(encoding);
                    break;
            }
        }

        if (featureOffset == 0)
        {
            throw new DtrainException($"{file}: no feature column is left (columns: {TableSurvey.ColumnList(survey.Columns.Select(c => c.Name).ToList())})");
        }

        return new DataSchema
        {
            Format = format,
            Task = task,
            FeatureShape = [featureOffset],
            TargetWidth = task switch
            {
                LearningTask.Classification => 1,
                LearningTask.Regression => targetOffset,
                _ => featureOffset,
            },
            ClassNames = classNames,
            Columns = encodings,
            Header = survey.Header,
            Missing = spec.Missing,
            TargetShift = task == LearningTask.Regression ? [.. targetShift] : null,
            TargetScale = task == LearningTask.Regression ? [.. targetScale] : null,
        };
    }

    private static LearningTask InferTask(TableSurvey survey, DataSpec spec, string file)
    {
        if (survey.Labels.Count == 0)
        {
            return spec.Task is null or LearningTask.Reconstruction
                ? LearningTask.Reconstruction
                : throw new DtrainException($"{file}: {spec.Task.Value.Name()} needs a label column; set training.data.label (or --label) to a column name or 0-based index");
        }

        if (survey.Labels.Count > 1 && spec.Task is not null and not LearningTask.Regression)
        {
            throw new DtrainException($"{file}: several label columns ({spec.Label}) are only for regression, not {spec.Task.Value.Name()}");
        }

        if (spec.Task is { } given)
        {
            return given;
        }

        if (survey.Labels.Count > 1)
        {
            return LearningTask.Regression;
        }

        var label = survey.Columns[survey.Labels[0]];
        if (label.Texts > 0)
        {
            CheckNotMixed(label, file);
            return LearningTask.Classification;
        }

        return label.AllIntegers && !label.NumberOverflow && label.NumberCounts.Count <= MaxInferredClasses
            ? LearningTask.Classification
            : LearningTask.Regression;
    }

    /// <summary>The label's encoding kind and class names: text in ordinal order, or numbers in numeric order written as text.</summary>
    private static (ColumnKind Kind, IReadOnlyList<string> Names) Classes(ColumnSurvey c, string file)
    {
        if (c.TextOverflow || c.NumberOverflow || c.TextCounts.Count + c.NumberCounts.Count > ColumnSurvey.DistinctCap)
        {
            throw new DtrainException($"{file}: the label column '{TableCursor.Show(c.Name)}' has more than {ColumnSurvey.DistinctCap} distinct values, too many classes; for real-valued targets set task to regression");
        }

        if (c.Texts > 0)
        {
            // Numbers in a text label are classes by their written form.
            var names = c.TextCounts.Keys.Concat(c.NumberCounts.Keys.Select(NumberName)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            return (ColumnKind.Categorical, names);
        }

        return (ColumnKind.Numeric, c.NumberCounts.Keys.Order().Select(NumberName).ToArray());
    }

    /// <summary>How a number is written as a class or category name: <c>3</c>, <c>0.5</c>.</summary>
    public static string NumberName(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    private static ColumnEncoding Feature(ColumnSurvey c, string normalize, string missing, string file)
    {
        if (c.Texts == 0)
        {
            var (shift, scale) = normalize switch
            {
                "standard" => (c.Mean, c.Std > 0 ? 1 / c.Std : 1),
                "minmax" => (c.Numbers > 0 ? c.Min : 0, c.Max > c.Min ? 1 / (c.Max - c.Min) : 1),
                _ => (0.0, 1.0),
            };
            return new ColumnEncoding
            {
                Name = c.Name,
                Index = c.Index,
                Role = ColumnRole.Feature,
                Kind = ColumnKind.Numeric,
                Shift = (float)shift,
                Scale = (float)scale,
                Fill = missing == "mean" ? (float)c.Mean : 0f,
            };
        }

        CheckNotMixed(c, file);
        if (c.TextOverflow || c.NumberOverflow || c.TextCounts.Count + c.NumberCounts.Count > ColumnSurvey.DistinctCap)
        {
            throw new DtrainException($"{file}: column '{TableCursor.Show(c.Name)}' has more than {ColumnSurvey.DistinctCap} distinct values and some text (an id or free text?); exclude it");
        }

        var categories = c.TextCounts.Keys.Concat(c.NumberCounts.Keys.Select(NumberName)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return new ColumnEncoding { Name = c.Name, Index = c.Index, Role = ColumnRole.Feature, Kind = ColumnKind.Categorical, Categories = categories };
    }

    /// <summary>A column mostly of numbers with some text is a typo, not a text column: refused at its first text cell.</summary>
    private static void CheckNotMixed(ColumnSurvey c, string file)
    {
        if (c.Numbers > 0 && c.Numbers >= c.Texts)
        {
            var (where, value) = c.FirstText!.Value;
            throw new DtrainException($"{file}: {where}: '{value}' is not a number, but {c.Numbers} of the column's {c.Numbers + c.Texts} values are; fix the cell or exclude the column");
        }
    }

    /// <summary>What <c>dtrain data inspect</c> shows for a surveyed table and the schema learned from it.</summary>
    public static DataInspection Inspect(TableSurvey survey, DataSchema schema, string format, IReadOnlyList<string> files)
    {
        var columns = survey.Columns.Select((c, i) =>
        {
            var encoding = schema.Columns[i];
            var type = c.Texts > 0 ? "text" : c.Numbers == 0 ? "empty" : c.AllIntegers ? "integer" : "numeric";
            var width = encoding.Role != ColumnRole.Feature ? 0 : encoding.Kind == ColumnKind.Categorical ? encoding.Categories!.Count : 1;
            return new ColumnInspection(c.Name, type, c.Missing, c.Distinct, encoding.Role.ToString().ToLowerInvariant(), width);
        }).ToList();
        IReadOnlyList<(string, long)>? classCounts = null;
        if (schema.Task == LearningTask.Classification)
        {
            var label = survey.Columns[survey.Labels[0]];
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (text, n) in label.TextCounts)
            {
                counts[text] = n;
            }

            foreach (var (x, n) in label.NumberCounts)
            {
                counts[NumberName(x)] = counts.GetValueOrDefault(NumberName(x)) + n;
            }

            classCounts = schema.ClassNames!.Select(name => (name, counts.GetValueOrDefault(name))).ToList();
        }

        return new DataInspection(format, files, survey.Rows, columns, schema.Task, classCounts, schema.FeatureShape);
    }
}
