// What one pass of a model over a data set scored, in the figures that fit its task.
using Dtrain.Models.Data;

namespace Dtrain.Models.Metrics;

/// <summary>
/// The scores of one evaluation. <see cref="Loss"/> is the model's own loss (mean per example, in the units it trains
/// in); the other figures are set for the task they belong to and null otherwise. Regression figures are in the data's
/// original units (the target normalisation undone).
/// </summary>
public sealed record TaskMetrics
{
    /// <summary>The task scored.</summary>
    public required LearningTask Task { get; init; }

    /// <summary>Examples scored.</summary>
    public required long Examples { get; init; }

    /// <summary>Mean loss per example.</summary>
    public required double Loss { get; init; }

    /// <summary>Classification: fraction whose highest score is at their class.</summary>
    public double? Accuracy { get; init; }

    /// <summary>Classification: fraction whose class is among the <see cref="TopK"/> highest scores (null when there are no more than k classes).</summary>
    public double? TopKAccuracy { get; init; }

    /// <summary>The k of <see cref="TopKAccuracy"/> (0: not scored).</summary>
    public int TopK { get; init; }

    /// <summary>Regression: root mean squared error over every target of every example.</summary>
    public double? Rmse { get; init; }

    /// <summary>Regression: mean absolute error over every target of every example.</summary>
    public double? Mae { get; init; }

    /// <summary>Regression: coefficient of determination, averaged over the targets (as scikit-learn's r2_score).</summary>
    public double? R2 { get; init; }

    /// <summary>Reconstruction: mean squared error over every feature of every example.</summary>
    public double? Mse { get; init; }

    /// <summary>
    /// A model with a <c>hopfield</c> node: the fraction of bits right after recalling each stored (training) pattern
    /// from a copy with a tenth of its bits flipped (<see cref="HopfieldRecall"/>); null for other models.
    /// </summary>
    public double? RecallAccuracy { get; init; }

    /// <summary>
    /// The figure a monitor names without its <c>val_</c>/<c>test_</c> prefix (<c>loss</c>, <c>accuracy</c>,
    /// <c>top_k_accuracy</c>, <c>rmse</c>, <c>mae</c>, <c>r2</c>, <c>mse</c>, <c>recall_accuracy</c>); null when this
    /// task has no such figure.
    /// </summary>
    public double? Figure(string name) => name switch
    {
        "loss" => Loss,
        "accuracy" => Accuracy,
        "top_k_accuracy" => TopKAccuracy,
        "rmse" => Rmse,
        "mae" => Mae,
        "r2" => R2,
        "mse" => Mse,
        "recall_accuracy" => RecallAccuracy,
        _ => null,
    };

    /// <summary>The figures of <paramref name="task"/> a monitor may name, without prefix (loss first).</summary>
    public static string[] FiguresOf(LearningTask task) => task switch
    {
        LearningTask.Classification => ["loss", "accuracy", "top_k_accuracy"],
        LearningTask.Regression => ["loss", "rmse", "mae", "r2"],
        LearningTask.Unsupervised => ["loss"],
        _ => ["loss", "mse"],
    };

    /// <summary>Every figure a monitor may name, without prefix.</summary>
    public static readonly string[] AllFigures = ["loss", "accuracy", "top_k_accuracy", "rmse", "mae", "r2", "mse"];

    /// <summary>Every figure a summary may carry: those a monitor may name, and the model's own (scored on the test pass only).</summary>
    public static readonly string[] ReportedFigures = [.. AllFigures, "recall_accuracy"];

    /// <summary>Whether a larger value of the figure is better (accuracies and R²); smaller is better for losses and errors.</summary>
    public static bool HigherIsBetter(string figure) => figure is "accuracy" or "top_k_accuracy" or "r2" or "recall_accuracy";
}
