// The "data" object of a model or job file's training section: where the user's data is and how to read it.
namespace Dtrain.Models.Data;

/// <summary>
/// Where a job's data comes from and how it becomes features and targets. Every field is optional; a null field
/// is inferred (format from the extension, task from the label column, header from the first row).
/// </summary>
public sealed record DataSpec
{
    /// <summary>The training data: a file, a folder of shards (or of class sub-folders for images), or a glob.</summary>
    public string? Train { get; init; }

    /// <summary>The test data (optional), read with the schema learned from the training split.</summary>
    public string? Test { get; init; }

    /// <summary>Held-out validation data (optional; exclusive with <see cref="ValidationSplit"/>).</summary>
    public string? Validation { get; init; }

    /// <summary>Fraction of the training rows held out for validation, chosen by the job's seed (0: none).</summary>
    public double ValidationSplit { get; init; }

    /// <summary>csv | tsv | npy | npz | idx | parquet | images | mnist; null: inferred from the extension (<c>.gz</c> too).</summary>
    public string? Format { get; init; }

    /// <summary>The label column's name, or a 0-based column index written as a number; null for reconstruction.</summary>
    public string? Label { get; init; }

    /// <summary>The task; null: inferred (a label column of text or of few integers is classification).</summary>
    public LearningTask? Task { get; init; }

    /// <summary>Columns left out of the features, by name or 0-based index.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    /// <summary>standard | minmax | none; statistics come from the training split only. Null: the format's default.</summary>
    public string? Normalize { get; init; }

    /// <summary>What a missing or NaN feature value does: error | mean | zero.</summary>
    public string Missing { get; init; } = "error";

    /// <summary>Whether the first row of a text table is a header; null: detected (a header when the first row is not numeric).</summary>
    public bool? Header { get; init; }

    /// <summary>Images: resize every image to this [height, width]; null: all images must have one size.</summary>
    public int[]? Resize { get; init; }

    /// <summary>Images: read as grey (1 channel) or rgb (3 channels); null: rgb when any image has colour.</summary>
    public string? Color { get; init; }

    /// <summary>Images: random crop after zero padding of this many pixels per side (0: off), applied in the worker.</summary>
    public int AugmentCropPadding { get; init; }

    /// <summary>Images: flip each training example left-right with probability 1/2, applied in the worker.</summary>
    public bool AugmentFlip { get; init; }

    /// <summary>
    /// Train on only the first this many training examples (after the validation split; 0: all): the k patterns a
    /// Hopfield network stores, or a quick run on a slice of a large set. Validation and test data are not cut.
    /// </summary>
    public int Limit { get; init; }

    /// <summary>The normalisations users may name.</summary>
    public static readonly string[] KnownNormalize = ["standard", "minmax", "none"];

    /// <summary>The missing-value rules users may name.</summary>
    public static readonly string[] KnownMissing = ["error", "mean", "zero"];

    /// <summary>True when the job trains on the built-in MNIST download rather than on files the user names.</summary>
    public bool IsBuiltInMnist => Train is null && (Format is null or "mnist");

    /// <summary>The first field out of range, e.g. <c>training.data.validation_split must be in [0, 1), got 1.5</c>; null when all are valid.</summary>
    public string? FirstProblem()
    {
        if (!(ValidationSplit >= 0 && ValidationSplit < 1))
        {
            return $"training.data.validation_split must be in [0, 1), got {ValidationSplit}";
        }

        if (ValidationSplit > 0 && Validation is not null)
        {
            return "training.data: give validation_split or validation, not both";
        }

        if (Format is not null && !DataFormats.KnownNames.Contains(Format))
        {
            return $"training.data.format '{Format}' is not known; known: {string.Join(", ", DataFormats.KnownNames)}";
        }

        if (Normalize is not null && !KnownNormalize.Contains(Normalize))
        {
            return $"training.data.normalize '{Normalize}' is not known; known: {string.Join(", ", KnownNormalize)}";
        }

        if (!KnownMissing.Contains(Missing))
        {
            return $"training.data.missing '{Missing}' is not known; known: {string.Join(", ", KnownMissing)}";
        }

        if (Color is not null and not ("grey" or "rgb"))
        {
            return $"training.data.color '{Color}' is not known; known: grey, rgb";
        }

        if (Resize is not null && (Resize.Length != 2 || Resize.Any(d => d <= 0 || d > 4096)))
        {
            return $"training.data.resize must be [height, width], each in [1, 4096], got [{string.Join(", ", Resize)}]";
        }

        if (Limit < 0)
        {
            return $"training.data.limit must be 0 (all examples) or more, got {Limit}";
        }

        if (AugmentCropPadding is < 0 or > 64)
        {
            return $"training.data.augment.crop_padding must be in [0, 64], got {AugmentCropPadding}";
        }

        return Train is null && (Test is not null || Validation is not null || Label is not null) && Format is not "mnist" and not "idx"
            ? "training.data names test, validation or label data but no \"train\" data"
            : null;
    }
}
