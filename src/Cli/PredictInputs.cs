// What dtrain predict feeds a trained model: raw inputs (table rows, arrays, images, IDX, or lines of numbers) encoded
// with exactly the schema training applied, so a prediction sees what training saw.
using System.Globalization;
using Dtrain.Models;
using Dtrain.Models.Data;
using Dtrain.Models.Data.Formats;

namespace Dtrain.Cli;

/// <summary>Reads prediction inputs with a trained model's <see cref="DataSchema"/>.</summary>
public static class PredictInputs
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp"];

    /// <summary>
    /// The first <paramref name="first"/> examples of <paramref name="input"/>, each <c>schema.FeatureSize</c> floats:
    /// a CSV/TSV file (columns matched by header name; the label column may be absent) for a model trained on a table;
    /// an NPY/NPZ array, an IDX file or folder, an image file or folder of images for one trained on arrays or images; or
    /// a text file of one example per line (numbers separated by commas, spaces or tabs). A value the schema cannot
    /// encode is one line naming the file and its row.
    /// </summary>
    public static List<float[]> Read(string input, DataSchema schema, int first)
    {
        if (!File.Exists(input) && !Directory.Exists(input))
        {
            throw new DtrainException($"{input}: no such input file");
        }

        var sink = new FirstExamples(schema.FeatureSize, first);
        var table = schema.Columns.Count > 0;
        if (IsImage(input))
        {
            if (ImageShape(schema) is not { } shape)
            {
                throw new DtrainException($"{input}: an image, but the model was trained on {schema.Format} examples of [{string.Join(", ", schema.FeatureShape)}], not on images");
            }

            var files = Directory.Exists(input) ? new ImageFolderFormat().Expand(input, test: true) : [input];
            new ImageFolderFormat().Encode(files, Unlabelled(schema) with { FeatureShape = shape, Channels = shape[0], Format = "images" }, sink);
        }
        else if (Format(input) is { } format && table == (format.Name is "csv" or "tsv"))
        {
            var variant = Unlabelled(schema);
            if (format.Name is "idx" && schema.Format == "mnist")
            {
                variant = variant with { FeatureShape = [28, 28] }; // MNIST's images as the IDX files hold them
            }

            format.Encode(format.Expand(input, test: true), variant, sink);
        }
        else if (table)
        {
            throw new DtrainException($"{input}: the model was trained on {schema.Format} tables; give a CSV or TSV file with its columns");
        }
        else
        {
            ReadLines(input, schema, sink);
        }

        return sink.Examples.Count > 0 ? sink.Examples : throw new DtrainException($"{input}: no examples in it");
    }

    /// <summary>The schema without its targets: inputs to predict carry no labels (a table's label column may still be there).</summary>
    private static DataSchema Unlabelled(DataSchema schema) =>
        schema.Columns.Count > 0 ? schema : schema with { Task = LearningTask.Reconstruction, ClassNames = null, TargetWidth = schema.FeatureSize };

    /// <summary>[channels, height, width] of the images a model takes: its image schema's, or MNIST's 28x28 grey.</summary>
    private static int[]? ImageShape(DataSchema schema) => schema switch
    {
        { Format: "images", FeatureShape: [_, _, _] shape } => shape,
        { Format: "mnist" } => [1, 28, 28],
        { FeatureShape: [1 or 3, _, _] shape } => shape,
        { FeatureShape: [var h, var w] } => [1, h, w],
        _ => null,
    };

    private static bool IsImage(string input) =>
        Directory.Exists(input)
            ? Directory.EnumerateDirectories(input).Any() && !IdxFormat.IsMnistFolder(input)
            : ImageExtensions.Contains(Path.GetExtension(input), StringComparer.OrdinalIgnoreCase);

    /// <summary>The format the input's name (or, for an IDX file of any name, its magic number) says; null for plain text.</summary>
    private static IDataFormat? Format(string input)
    {
        if (File.Exists(input) && IsIdx(input))
        {
            return DataFormats.All.First(f => f.Name == "idx");
        }

        try
        {
            return DataFormats.For(input, null);
        }
        catch (DtrainException)
        {
            return null; // no format by name: lines of numbers
        }
    }

    /// <summary>IDX files start with two zero bytes, a type code and the number of dimensions.</summary>
    private static bool IsIdx(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[4];
        return stream.Read(head) == 4 && head[0] == 0 && head[1] == 0 && head[2] is 0x08 or 0x09 or 0x0B or 0x0C or 0x0D or 0x0E && head[3] is >= 1 and <= 4;
    }

    /// <summary>One example per line, its raw values normalised as training normalised them.</summary>
    private static void ReadLines(string input, DataSchema schema, FirstExamples sink)
    {
        var line = 0;
        var features = new float[schema.FeatureSize];
        foreach (var text in File.ReadLines(input))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text) || sink.Full)
            {
                continue;
            }

            var parts = text.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != features.Length)
            {
                throw new DtrainException($"{input}:{line}: {parts.Length} values, but the model takes {features.Length} per example");
            }

            for (var i = 0; i < parts.Length; i++)
            {
                // NaN, infinities and values past float's range (1e40 parses as infinity) are no input a model can score.
                features[i] = float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && float.IsFinite(v)
                    ? v
                    : throw new DtrainException($"{input}:{line}: value {i + 1} '{Printable.Of(parts[i], 40)}' is not a finite number");
            }

            ArrayEncoding.Normalize(features, schema.FeatureShift, schema.FeatureScale);
            sink.Write(features, []);
        }
    }

    /// <summary>Keeps the features of the first examples written; the rest are read (and checked) but not kept.</summary>
    private sealed class FirstExamples(int featureSize, int first) : ExampleSink
    {
        public List<float[]> Examples { get; } = [];

        public bool Full => Examples.Count >= first;

        public override void Write(ReadOnlySpan<float> features, ReadOnlySpan<float> targets)
        {
            if (features.Length != featureSize)
            {
                throw new InvalidOperationException($"an encoded example has {features.Length} features, the schema {featureSize}");
            }

            if (!Full)
            {
                Examples.Add(features.ToArray());
            }
        }
    }
}
