// Task metrics against values worked by hand and confirmed with scikit-learn 1.2 on the same arrays:
//   accuracy_score, top_k_accuracy_score(k=2), precision_score/recall_score(average=None), confusion_matrix,
//   mean_squared_error (RMSE = its root), mean_absolute_error, r2_score (uniform average over targets).
using Dtrain.Models;
using Dtrain.Models.Data;
using Dtrain.Models.Metrics;

namespace Dtrain.Models.Tests.Metrics;

public sealed class MetricAccumulatorTests
{
    // Six examples, three classes: argmax predicts 0, 1, 2, 0, 2, 0 for classes 0, 1, 2, 2, 1, 1.
    private static readonly float[] Scores = [2, 1, 0, 0, 3, 1, 1, 0, 2, 3, 1, 2, 0, 1, 5, 0.5f, 0.1f, 0.2f];
    private static readonly float[] Classes = [0, 1, 2, 2, 1, 1];

    [Fact]
    public void Classification_scores_accuracy_top_k_and_mean_loss()
    {
        var metrics = new ClassificationMetrics(3, topK: 2);

        metrics.Add(Scores.AsSpan(0, 9), Classes.AsSpan(0, 3), 3, meanLoss: 0.5);
        metrics.Add(Scores.AsSpan(9), Classes.AsSpan(3), 3, meanLoss: 1.5);
        var result = metrics.Result();

        Assert.Equal(6, result.Examples);
        Assert.Equal(0.5, result.Accuracy);
        Assert.Equal(5.0 / 6, result.TopKAccuracy!.Value, 12);
        Assert.Equal(2, result.TopK);
        Assert.Equal(1.0, result.Loss, 12); // (0.5 * 3 + 1.5 * 3) / 6
        Assert.Null(result.Rmse);
    }

    [Fact]
    public void Classification_confusion_matrix_gives_per_class_precision_and_recall()
    {
        var metrics = new ClassificationMetrics(3, topK: 0);

        metrics.Add(Scores, Classes, 6, meanLoss: 0);

        Assert.Equal(new long[,] { { 1, 0, 0 }, { 1, 1, 1 }, { 1, 0, 1 } }, metrics.Confusion);
        Assert.Equal([1.0 / 3, 1.0, 0.5], Enumerable.Range(0, 3).Select(c => metrics.Precision(c)!.Value));
        Assert.Equal([1.0, 1.0 / 3, 0.5], Enumerable.Range(0, 3).Select(c => metrics.Recall(c)!.Value));
        Assert.Equal([1L, 3L, 2L], Enumerable.Range(0, 3).Select(metrics.Support));
    }

    [Fact]
    public void Classification_leaves_top_k_out_when_k_covers_every_class()
    {
        var metrics = new ClassificationMetrics(3, topK: 5);

        metrics.Add(Scores, Classes, 6, meanLoss: 0);

        Assert.Null(metrics.Result().TopKAccuracy);
        Assert.Equal(0, metrics.Result().TopK);
    }

    [Fact]
    public void Classification_precision_of_a_class_never_predicted_is_absent()
    {
        var narrow = new ClassificationMetrics(3, topK: 0);

        narrow.Add([1, 0, 0], [1], 1, meanLoss: 0); // class 1 predicted as 0: nothing predicted as 1, no example of 0

        Assert.Null(narrow.Precision(1));
        Assert.Null(narrow.Recall(0));
        Assert.Equal(0.0, narrow.Recall(1));
    }

    [Fact]
    public void Classification_refuses_a_class_id_outside_the_models_classes()
    {
        var metrics = new ClassificationMetrics(3, topK: 0);

        var e = Assert.Throws<DtrainException>(() => metrics.Add([1, 0, 0], [3], 1, meanLoss: 0));

        Assert.Equal("class id 3 of an evaluated example is outside the model's 3 classes", e.Message);
    }

    [Fact]
    public void Regression_scores_rmse_mae_and_r2_in_the_datas_original_units()
    {
        // Original targets [[12,0],[8,-2],[10,1],[14,-1]], predictions [[11,0.5],[9,-2],[10,0],[13,-1.5]],
        // trained as (y - [10, -1]) * [0.5, 2].
        float[] targets = [1, 2, -1, -2, 0, 4, 2, 0];
        float[] outputs = [0.5f, 3, -0.5f, -2, 0, 2, 1.5f, -1];
        var metrics = new RegressionMetrics(2, shift: [10, -1], scale: [0.5f, 2]);

        metrics.Add(outputs.AsSpan(0, 4), targets.AsSpan(0, 4), 2, meanLoss: 0.25);
        metrics.Add(outputs.AsSpan(4), targets.AsSpan(4), 2, meanLoss: 0.75);
        var result = metrics.Result();

        Assert.Equal(0.75, result.Rmse!.Value, 12);
        Assert.Equal(0.625, result.Mae!.Value, 12);
        Assert.Equal(0.775, result.R2!.Value, 12);
        Assert.Equal(0.5, result.Loss, 12);
        Assert.Null(result.Accuracy);
    }

    [Fact]
    public void Regression_r2_of_a_constant_target_follows_scikit_learn()
    {
        var exact = new RegressionMetrics(1);
        var off = new RegressionMetrics(1);

        exact.Add([3, 3], [3, 3], 2, meanLoss: 0);
        off.Add([3, 4], [3, 3], 2, meanLoss: 0);

        Assert.Equal(1.0, exact.Result().R2);
        Assert.Equal(0.0, off.Result().R2);
    }

    [Fact]
    public void Reconstruction_scores_the_mean_squared_error_over_every_feature()
    {
        var metrics = new ReconstructionMetrics(2);

        metrics.Add([0, 0.2f, 0.5f, 0.1f], [0.1f, 0.2f, 0.3f, 0.4f], 2, meanLoss: 0.035);

        Assert.Equal(0.035, metrics.Result().Mse!.Value, 6);
    }

    [Fact]
    public void Accumulator_for_a_regression_refuses_an_output_of_the_wrong_width()
    {
        var e = Assert.Throws<DtrainException>(() => MetricAccumulator.For(LearningTask.Regression, 3, 1, null, 0, "house.json"));

        Assert.Equal("house.json: the model outputs 3 value(s) per example, but the regression targets hold 1", e.Message);
    }

    [Fact]
    public void Accumulator_for_a_regression_takes_the_schemas_target_normalisation()
    {
        var schema = new DataSchema { Format = "csv", Task = LearningTask.Regression, FeatureShape = [2], TargetWidth = 1, TargetShift = [100], TargetScale = [0.1f] };
        var metrics = MetricAccumulator.For(LearningTask.Regression, 1, 1, schema, 0, "m");

        metrics.Add([1], [0], 1, meanLoss: 0); // 110 predicted for 100

        Assert.Equal(10, metrics.Result().Rmse!.Value, 4);
    }

    [Theory]
    [InlineData("loss", false)]
    [InlineData("rmse", false)]
    [InlineData("accuracy", true)]
    [InlineData("r2", true)]
    public void Monitor_direction_follows_the_figure(string figure, bool higher) =>
        Assert.Equal(higher, TaskMetrics.HigherIsBetter(figure));
    [Fact]
    public void Unsupervised_scores_the_loss_only()
    {
        var metrics = MetricAccumulator.For(LearningTask.Unsupervised, outputWidth: 3, targetWidth: 1, schema: null, topK: 5, "m");

        metrics.Add(Scores.AsSpan(0, 9), Classes.AsSpan(0, 3), 3, meanLoss: 0.25);
        metrics.Add(Scores.AsSpan(9), Classes.AsSpan(3), 3, meanLoss: 0.75);
        var result = metrics.Result();

        Assert.Equal(LearningTask.Unsupervised, result.Task);
        Assert.Equal(0.5, result.Loss, 12);
        Assert.Null(result.Accuracy);
        Assert.Null(result.Mse);
        Assert.Equal(["loss"], TaskMetrics.FiguresOf(LearningTask.Unsupervised));
    }

    [Fact]
    public void One_output_unit_is_a_binary_classifier_that_predicts_class_1_above_0()
    {
        // Outputs 0.5, -1, 0 (0 is not above 0: class 0), 2 for classes 1, 0, 1, 0: two right.
        var metrics = MetricAccumulator.For(LearningTask.Classification, outputWidth: 1, targetWidth: 1, schema: null, topK: 5, "m");

        metrics.Add([0.5f, -1f, 0f, 2f], [1f, 0f, 1f, 0f], 4, meanLoss: 0);
        var result = metrics.Result();

        Assert.Equal(0.5, result.Accuracy);
        Assert.Null(result.TopKAccuracy);
        Assert.Equal(new long[,] { { 1, 1 }, { 1, 1 } }, ((ClassificationMetrics)metrics).Confusion);
    }
}
