// Loads MNIST from its four IDX files into training and test data sets, with pixels scaled to [0, 1]
// exactly as PyTorch's ToTensor does, so results can be compared with a PyTorch run.
namespace Dtrain.Models.Data;

/// <summary>
/// The MNIST handwritten-digit data set: 60,000 training and 10,000 test images of 28x28 pixels, 10 classes.
/// <see cref="Ensure"/> finds (or fetches) the files; <see cref="Load"/> reads them.
/// </summary>
public static partial class Mnist
{
    /// <summary>The training images file name.</summary>
    public const string TrainImages = "train-images-idx3-ubyte";

    /// <summary>The training labels file name.</summary>
    public const string TrainLabels = "train-labels-idx1-ubyte";

    /// <summary>The test images file name.</summary>
    public const string TestImages = "t10k-images-idx3-ubyte";

    /// <summary>The test labels file name.</summary>
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>The number of classes (the digits 0-9).</summary>
    public const int Classes = 10;

    /// <summary>The four files a data folder must hold, each either as named or with a <c>.gz</c> suffix.</summary>
    public static IReadOnlyList<string> FileNames { get; } = [TrainImages, TrainLabels, TestImages, TestLabels];

    /// <summary>
    /// Reads the training and test sets from <paramref name="dataDir"/>, which holds the four IDX files
    /// (plain or gzip-compressed with a <c>.gz</c> suffix).
    /// </summary>
    public static (Dataset Train, Dataset Test) Load(string dataDir)
    {
        var (trainImages, testImages) = (Locate(dataDir, TrainImages), Locate(dataDir, TestImages));
        var (train, trainSize) = ReadSplit("mnist-train", trainImages, Locate(dataDir, TrainLabels));
        var (test, testSize) = ReadSplit("mnist-test", testImages, Locate(dataDir, TestLabels));

        // A model is trained on one and scored on the other: images of two sizes cannot both fit its input.
        if (trainSize != testSize)
            throw new DtrainException(
                $"MNIST test images '{testImages}' are {testSize.Rows}x{testSize.Cols} pixels, but training images '{trainImages}' are {trainSize.Rows}x{trainSize.Cols}: both must have one size.");
        return (train, test);
    }

    /// <summary>
    /// Reads one split from an images file (N, rows, cols) and a labels file (N), checking that they agree.
    /// Features are flattened to <c>rows * cols</c> values per image.
    /// </summary>
    public static Dataset LoadSplit(string name, string imagesPath, string labelsPath) => ReadSplit(name, imagesPath, labelsPath).Split;

    private static (Dataset Split, (int Rows, int Cols) Size) ReadSplit(string name, string imagesPath, string labelsPath)
    {
        var images = IdxReader.Read(imagesPath, expectedDimensions: 3);
        var labels = IdxReader.Read(labelsPath, expectedDimensions: 1);

        int count = images.Dimensions[0];
        if (count == 0)
            throw new DtrainException($"MNIST images file '{imagesPath}' holds no images: there is nothing to train on or score.");
        if (images.Dimensions[1] == 0 || images.Dimensions[2] == 0)
            throw new DtrainException(
                $"MNIST images file '{imagesPath}' declares images of {images.Dimensions[1]}x{images.Dimensions[2]} pixels: each must have at least one row and one column.");
        if (labels.Dimensions[0] != count)
            throw new DtrainException(
                $"MNIST image/label count mismatch: '{imagesPath}' holds {count} images but '{labelsPath}' holds {labels.Dimensions[0]} labels.");

        var classIds = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = labels.Data[i];
            if (label >= Classes)
                throw new DtrainException($"MNIST labels file '{labelsPath}' has label {label} at position {i}; labels must be 0-{Classes - 1}.");
            classIds[i] = label;
        }

        int featureSize = images.Dimensions[1] * images.Dimensions[2];
        return (new Dataset(name, [featureSize], Classes, ScalePixels(images.Data), classIds), (images.Dimensions[1], images.Dimensions[2]));
    }

    /// <summary>
    /// Scales bytes to [0, 1]. PyTorch's ToTensor computes <c>byte.float().div(255)</c> in float32;
    /// dividing (rather than multiplying by 1/255) gives bit-identical values.
    /// </summary>
    private static float[] ScalePixels(byte[] pixels)
    {
        var scaled = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++)
            scaled[i] = pixels[i] / 255f;
        return scaled;
    }

    /// <summary>Returns the path of <paramref name="fileName"/> in the folder, preferring the plain file over <c>.gz</c>.</summary>
    private static string Locate(string dataDir, string fileName)
    {
        string plain = Path.Combine(dataDir, fileName);
        if (File.Exists(plain))
            return plain;
        string gzip = plain + ".gz";
        if (File.Exists(gzip))
            return gzip;
        throw new DtrainException(
            $"MNIST file '{fileName}' (or '{fileName}.gz') is missing from folder '{dataDir}'. {FolderHint}");
    }

    /// <summary>Names the first of the four files absent from the folder, or null when all are there.</summary>
    private static string? FirstMissing(string dataDir) =>
        FileNames.FirstOrDefault(f =>
            !File.Exists(Path.Combine(dataDir, f)) && !File.Exists(Path.Combine(dataDir, f + ".gz")));

    private static string FolderHint =>
        $"Pass --data-dir with a folder holding the four MNIST IDX files: {string.Join(", ", FileNames)} (each may also end in .gz).";
}
