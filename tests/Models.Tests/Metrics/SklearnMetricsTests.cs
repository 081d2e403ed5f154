// The accumulators and scikit-learn score the same seeded random arrays alike (CI installs python3-sklearn).
using System.Diagnostics;
using System.Text.Json;
using Dtrain.Models.Metrics;

namespace Dtrain.Models.Tests.Metrics;

public sealed class SklearnMetricsTests
{
    private const string Script = """
        import json, sys
        import numpy as np
        from sklearn import metrics as m
        d = json.load(sys.stdin)
        s, y = np.array(d["scores"]).reshape(-1, d["classes"]), np.array(d["labels"])
        p = s.argmax(1)
        t, o = np.array(d["targets"]).reshape(-1, d["width"]), np.array(d["outputs"]).reshape(-1, d["width"])
        print(json.dumps({
            "accuracy": m.accuracy_score(y, p),
            "top_k": m.top_k_accuracy_score(y, s, k=3, labels=range(d["classes"])),
            "precision": m.precision_score(y, p, average=None, labels=range(d["classes"]), zero_division=0).tolist(),
            "recall": m.recall_score(y, p, average=None, labels=range(d["classes"]), zero_division=0).tolist(),
            "confusion": m.confusion_matrix(y, p, labels=range(d["classes"])).tolist(),
            "rmse": float(np.sqrt(m.mean_squared_error(t, o))),
            "mae": m.mean_absolute_error(t, o),
            "r2": m.r2_score(t, o),
        }))
        """;

    [Fact]
    public void Classification_and_regression_figures_match_scikit_learn_on_random_arrays()
    {
        // Arrange: 300 examples of 6 classes, and 300 of 3 regression targets, from a fixed seed.
        const int n = 300, classes = 6, width = 3;
        var rng = new Random(11);
        var scores = Enumerable.Range(0, n * classes).Select(_ => (float)rng.NextDouble()).ToArray();
        var labels = Enumerable.Range(0, n).Select(_ => (float)rng.Next(classes)).ToArray();
        var targets = Enumerable.Range(0, n * width).Select(i => (float)((rng.NextDouble() * 10) + (i % width))).ToArray();
        var outputs = targets.Select(t => t + (float)(rng.NextDouble() - 0.5)).ToArray();
        var classification = new ClassificationMetrics(classes, topK: 3);
        var regression = new RegressionMetrics(width);

        // Act: in uneven batches, as an evaluator feeds them.
        for (var start = 0; start < n; start += 64)
        {
            var b = Math.Min(64, n - start);
            classification.Add(scores.AsSpan(start * classes, b * classes), labels.AsSpan(start, b), b, meanLoss: 0);
            regression.Add(outputs.AsSpan(start * width, b * width), targets.AsSpan(start * width, b * width), b, meanLoss: 0);
        }

        var reference = Sklearn(new { scores, labels, classes, targets, outputs, width });

        // Assert
        var c = classification.Result();
        var r = regression.Result();
        Assert.Equal(reference.GetProperty("accuracy").GetDouble(), c.Accuracy!.Value, 12);
        Assert.Equal(reference.GetProperty("top_k").GetDouble(), c.TopKAccuracy!.Value, 12);
        for (var k = 0; k < classes; k++)
        {
            Assert.Equal(reference.GetProperty("precision")[k].GetDouble(), classification.Precision(k) ?? 0, 12);
            Assert.Equal(reference.GetProperty("recall")[k].GetDouble(), classification.Recall(k) ?? 0, 12);
            for (var p = 0; p < classes; p++)
            {
                Assert.Equal(reference.GetProperty("confusion")[k][p].GetInt64(), classification.Confusion[k, p]);
            }
        }

        // Float inputs, double sums on both sides: agreement to 1e-6 relative.
        Assert.Equal(reference.GetProperty("rmse").GetDouble(), r.Rmse!.Value, 6);
        Assert.Equal(reference.GetProperty("mae").GetDouble(), r.Mae!.Value, 6);
        Assert.Equal(reference.GetProperty("r2").GetDouble(), r.R2!.Value, 6);
    }

    private static JsonElement Sklearn(object arrays)
    {
        var start = new ProcessStartInfo("/usr/bin/python3", ["-c", Script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var python = Process.Start(start)!;
        python.StandardInput.Write(JsonSerializer.Serialize(arrays));
        python.StandardInput.Close();
        var stdout = python.StandardOutput.ReadToEndAsync();
        var stderr = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, stderr);
        return JsonDocument.Parse(stdout.Result).RootElement.Clone();
    }
}
