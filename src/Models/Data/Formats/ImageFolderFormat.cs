// Folders of images, one sub-folder per class (class names = folder names, sorted): PNG or JPEG decoded by
// StbImageSharp, grey or RGB, channels first [C, H, W], scaled to [0, 1], optionally resized (bilinear).
using StbImageSharp;

namespace Dtrain.Models.Data.Formats;

/// <summary>The <c>images</c> format.</summary>
public sealed class ImageFolderFormat : IDataFormat
{
    /// <inheritdoc/>
    public string Name => "images";

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".bmp"];

    /// <summary>A folder stands for the images of its class sub-folders, sorted by class then file name.</summary>
    public IReadOnlyList<string> Expand(string path, bool test)
    {
        if (!Directory.Exists(path))
        {
            return DataFiles.Expand(path, Extensions);
        }

        var classes = Directory.EnumerateDirectories(path).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        if (classes.Count == 0)
        {
            throw new DtrainException($"{path}: an image folder needs one sub-folder per class, and it has none");
        }

        var files = classes.SelectMany(c => Directory.EnumerateFiles(c)
            .Where(f => !Path.GetFileName(f).StartsWith('.') && Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)).ToList();
        return files.Count > 0 ? files : throw new DtrainException($"{path}: the class sub-folders hold no image ({string.Join(", ", Extensions)})");
    }

    /// <inheritdoc/>
    public DataSchema Learn(IReadOnlyList<string> files, DataSpec spec, Func<long, bool> inTraining)
    {
        files = Resolve(files);
        string? first = null;
        (int Width, int Height) size = default;
        bool colour = false;
        foreach (var file in files)
        {
            var info = Info(file);
            colour |= info.ColorComponents is ColorComponents.RedGreenBlue or ColorComponents.RedGreenBlueAlpha;
            if (first is null)
            {
                (first, size) = (file, (info.Width, info.Height));
            }
            else if (spec.Resize is null && (info.Width, info.Height) != size)
            {
                throw new DtrainException($"{file}: the image is {info.Width}x{info.Height} but '{first}' is {size.Width}x{size.Height}; set training.data.resize to [height, width] to train on mixed sizes");
            }
        }

        if (first is null)
        {
            throw new DtrainException("training data: the image folder holds no image");
        }

        int channels = (spec.Color ?? (colour ? "rgb" : "grey")) == "rgb" ? 3 : 1;
        int[] shape = spec.Resize is [var h, var w] ? [channels, h, w] : [channels, size.Height, size.Width];
        var classNames = files.Select(ClassOf).Distinct().Order(StringComparer.Ordinal).ToArray();
        var task = spec.Task ?? LearningTask.Classification;
        if (task == LearningTask.Regression)
        {
            throw new DtrainException($"{first}: an image folder's labels are its class folders; the task is classification or reconstruction, not regression");
        }

        var schema = new DataSchema
        {
            Format = Name,
            Task = task,
            FeatureShape = shape,
            TargetWidth = task == LearningTask.Classification ? 1 : shape[0] * shape[1] * shape[2],
            ClassNames = task == LearningTask.Classification ? classNames : null,
            Channels = channels,
            Resize = spec.Resize,
        };
        var normalize = spec.Normalize ?? "none";
        if (normalize == "none")
        {
            return schema;
        }

        // Per-feature statistics need the pixels: one decoding pass over the training rows.
        var statistics = new StatisticsSink(schema.FeatureSize, inTraining);
        Encode(files, schema with { ClassNames = classNames, Task = LearningTask.Classification }, statistics);
        var (shift, scale) = ArrayEncoding.Statistics(normalize, statistics.Sum, statistics.SumSquares, statistics.Min, statistics.Max, statistics.TrainingRows);
        return schema with { FeatureShift = shift, FeatureScale = scale };
    }

    /// <inheritdoc/>
    public void Encode(IReadOnlyList<string> files, DataSchema schema, ExampleSink sink)
    {
        files = Resolve(files);
        var features = new float[schema.FeatureSize];
        float[] target = new float[schema.Task == LearningTask.Classification ? 1 : 0];
        var classIds = schema.ClassNames?.Select((name, id) => (name, id)).ToDictionary(p => p.name, p => p.id, StringComparer.Ordinal);
        int channels = schema.FeatureShape[0], height = schema.FeatureShape[1], width = schema.FeatureShape[2];
        foreach (var file in files)
        {
            if (classIds is not null)
            {
                var name = ClassOf(file);
                target[0] = classIds.TryGetValue(name, out var id)
                    ? id
                    : throw new DtrainException($"{file}: class '{Printable.Escape(name)}' was not in training (classes: {string.Join(", ", schema.ClassNames!.Take(20))})");
            }

            var image = Decode(file, channels);
            if (schema.Resize is null && (image.Width != width || image.Height != height))
            {
                throw new DtrainException($"{file}: the image is {image.Width}x{image.Height} but the model was trained on {width}x{height}; set training.data.resize to train on mixed sizes");
            }

            ImageResize.ToChannelsFirst(image.Data, image.Width, image.Height, channels, features, width, height);
            ArrayEncoding.Normalize(features, schema.FeatureShift, schema.FeatureScale);
            sink.Write(features, target);
        }
    }

    /// <inheritdoc/>
    public DataInspection Inspect(IReadOnlyList<string> files, DataSpec spec) => ArrayInspection.Inspect(this, files, spec);

    /// <summary>An image's class: the name of the folder it is in.</summary>
    public static string ClassOf(string file) => Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(file))) ?? "";

    private IReadOnlyList<string> Resolve(IReadOnlyList<string> files) =>
        files.SelectMany(f => Directory.Exists(f) ? Expand(f, test: false) : [f]).ToList();

    private static ImageInfo Info(string file)
    {
        try
        {
            using var stream = File.OpenRead(file);
            return ImageInfo.FromStream(stream) ?? throw new DtrainException($"{file}: cannot be decoded as an image (not a PNG, JPEG or BMP)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DtrainException($"{file}: cannot be read: {e.Message}", e);
        }
    }

    private static ImageResult Decode(string file, int channels)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DtrainException($"{file}: cannot be read: {e.Message}", e);
        }

        try
        {
            return ImageResult.FromMemory(bytes, channels == 3 ? ColorComponents.RedGreenBlue : ColorComponents.Grey);
        }
        catch (Exception e) when (e is not DtrainException and not OutOfMemoryException)
        {
            // stb reports a corrupt or unknown image as a plain Exception with a short reason.
            throw new DtrainException($"{file}: cannot be decoded as an image: {e.Message.Split('\n')[0]}", e);
        }
    }

    /// <summary>Accumulates per-feature sums and extremes over the training rows.</summary>
    private sealed class StatisticsSink(int size, Func<long, bool> inTraining) : ExampleSink
    {
        private long _row;

        public double[] Sum { get; } = new double[size];

        public double[] SumSquares { get; } = new double[size];

        public double[] Min { get; } = Enumerable.Repeat(double.PositiveInfinity, size).ToArray();

        public double[] Max { get; } = Enumerable.Repeat(double.NegativeInfinity, size).ToArray();

        public long TrainingRows { get; private set; }

        public override void Write(ReadOnlySpan<float> features, ReadOnlySpan<float> targets)
        {
            if (inTraining(_row++))
            {
                TrainingRows++;
                for (int f = 0; f < features.Length; f++)
                {
                    double v = features[f];
                    Sum[f] += v;
                    SumSquares[f] += v * v;
                    Min[f] = Math.Min(Min[f], v);
                    Max[f] = Math.Max(Max[f], v);
                }
            }
        }
    }
}
