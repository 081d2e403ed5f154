// The coordinator's evaluator scores each task with its own figures, from parameters set by hand.
using Dtrain.Coordinator;
using Dtrain.Models;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;

namespace Dtrain.Coordinator.Tests;

public sealed class EvaluatorTests
{
    [Fact]
    public void Evaluator_scores_a_regression_in_the_datas_units()
    {
        // out = x0 + x1 on targets trained as (y - 10) * 0.5: predictions 3, 7, 0 for 2, 8, 1, i.e. 16, 24, 10 for 14, 26, 12.
        var model = Compile("""
            {"name":"reg","inputs":[{"name":"x","shape":[2]},{"name":"y","shape":[1],"source":"labels"}],
             "nodes":[{"id":"out","op":"dense","inputs":["x"],"attrs":{"units":1}},{"id":"loss","op":"mse","inputs":["out","y"]}],"loss":"loss"}
            """);
        var data = new Dataset("houses", [2], LearningTask.Regression, 0, [1, 2, 3, 4, 0, 0], [2, 8, 1], 1);
        var schema = new DataSchema { Format = "csv", Task = LearningTask.Regression, FeatureShape = [2], TargetWidth = 1, TargetShift = [10], TargetScale = [0.5f] };
        using var evaluator = new Evaluator(model, null, 1, schema);
        evaluator.Load(Parameters(model, ("out.weight", 1f), ("out.bias", 0f)));

        var result = evaluator.Score(data);

        Assert.Equal(LearningTask.Regression, result.Task);
        Assert.Equal(3, result.Examples);
        Assert.Equal(1.0, result.Loss, 6); // errors 1, -1, -1 in trained units
        Assert.Equal(2.0, result.Rmse!.Value, 5);
        Assert.Equal(2.0, result.Mae!.Value, 5);
        Assert.Equal(1 - (12 / (344.0 / 3)), result.R2!.Value, 5);
        Assert.Null(result.Accuracy);
    }

    [Fact]
    public void Evaluator_scores_a_reconstruction_by_mean_squared_error()
    {
        var model = Compile("""
            {"name":"ae","inputs":[{"name":"x","shape":[3]},{"name":"y","shape":[3],"source":"labels"}],
             "nodes":[{"id":"out","op":"dense","inputs":["x"],"attrs":{"units":3}},{"id":"loss","op":"mse","inputs":["out","y"]}],"loss":"loss"}
            """);
        var data = new Dataset("pixels", [3], LearningTask.Reconstruction, 0, [1, 2, 3, 0, 0, 1], [], 0);
        using var evaluator = new Evaluator(model, null, 1);
        evaluator.Load(new float[model.ParameterCount]); // every output 0

        var result = evaluator.Score(data);

        Assert.Equal(2.5, result.Mse!.Value, 6); // (1 + 4 + 9 + 0 + 0 + 1) / 6
        Assert.Equal(2.5, result.Loss, 6);
        Assert.Null(result.Rmse);
    }

    [Fact]
    public void Evaluator_scores_a_classification_with_accuracy_top_k_and_loss()
    {
        var test = TinyJob.Data(256, 9);
        using var evaluator = new Evaluator(TinyJob.Model, test, 1, topK: 2);
        evaluator.Load(TinyJob.Model.InitialParameters(3));

        var result = evaluator.Test()!;

        Assert.Equal(256, result.Examples);
        Assert.Equal(evaluator.Accuracy(), result.Accuracy);
        Assert.Equal(2, result.TopK);
        Assert.InRange(result.TopKAccuracy!.Value, result.Accuracy!.Value, 1.0);
        Assert.True(result.Loss > 0);
    }

    [Fact]
    public void Evaluator_refuses_a_set_whose_examples_do_not_fit_the_model()
    {
        using var evaluator = new Evaluator(TinyJob.Model, null, 1);
        var wide = new Dataset("wide", [5], 3, new float[10], [0, 1]);

        var e = Assert.Throws<DtrainException>(() => evaluator.Score(wide));

        Assert.Equal("tiny: takes 4 feature and 1 target value(s) per example, but wide has 5 and 1", e.Message);
    }

    [Fact]
    public void Evaluator_adds_a_hopfield_networks_recall_of_its_stored_patterns_to_the_test_figures()
    {
        // Two random ±1 patterns of 100 units stored by Hebb's rule, W = (1/N) sum p p^T with a zero diagonal.
        const int n = 100;
        var model = Compile("""
            {"name":"hop","inputs":[{"name":"x","shape":[100]},{"name":"y","shape":[],"dtype":"int32"}],
             "nodes":[{"id":"s","op":"sign","inputs":["x"]},{"id":"w","op":"parameter","attrs":{"shape":[100,100],"init":"zeros"}},
                      {"id":"energy","op":"hopfield","inputs":["s","w"]}],"loss":"energy","output":"s"}
            """);
        var rng = new Random(7);
        var patterns = Enumerable.Range(0, 2 * n).Select(_ => rng.Next(2) == 0 ? -1f : 1f).ToArray();
        var w = new float[n * n];
        for (var p = 0; p < 2; p++)
        {
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    w[(i * n) + j] += i == j ? 0 : patterns[(p * n) + i] * patterns[(p * n) + j] / n;
                }
            }
        }

        var stored = new UnsupervisedExamples(new Dataset("patterns", [n], classes: 1, patterns, [0, 0]));
        using var evaluator = new Evaluator(model, stored, 1, stored: stored, seed: 3);
        evaluator.Load(w);

        var result = evaluator.Test()!;

        Assert.Equal(LearningTask.Unsupervised, result.Task);
        Assert.Equal(1.0, result.RecallAccuracy);
        Assert.Null(result.Accuracy);
    }

    private static CompiledModel Compile(string json) => ModelCompiler.Compile(ModelParser.Parse(json, "model.json"));

    private static float[] Parameters(CompiledModel model, params (string Name, float Value)[] values)
    {
        var flat = new float[model.ParameterCount];
        foreach (var (name, value) in values)
        {
            var p = model.Parameters.Single(p => p.Name == name);
            flat.AsSpan(p.Offset, p.Size).Fill(value);
        }

        return flat;
    }
}
