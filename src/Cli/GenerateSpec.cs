// The model file's "generate" section: how dtrain generate draws samples from a trained generative model.
using System.Text.Json;
using Dtrain.Models;

namespace Dtrain.Cli;

/// <summary>
/// <c>{"output": "g_out", "shape": [1, 28, 28], "range": [-1, 1]}</c> (a GAN: run the graph forward and read node
/// <c>output</c>; <c>range</c> is the values it maps to black and white, default [0, 1]) or
/// <c>{"rbm": "rbm1", "gibbs_steps": 1000, "shape": [28, 28]}</c> (an RBM: a Gibbs chain on that rbm node's parameters).
/// <c>shape</c> is one sample's image shape ([H, W] or [1, H, W]); without it, the node's own shape, or a square.
/// </summary>
/// <param name="Output">GAN mode: the node whose value is the samples.</param>
/// <param name="Rbm">RBM mode: the rbm node whose W, bv and bh the chain runs on.</param>
/// <param name="GibbsSteps">RBM mode: Gibbs steps from random visibles.</param>
/// <param name="Shape">One sample's image shape, or null.</param>
/// <param name="Low">The value shown black.</param>
/// <param name="High">The value shown white.</param>
public sealed record GenerateSpec(string? Output, string? Rbm, int GibbsSteps, int[]? Shape, float Low, float High)
{
    /// <summary>Largest Gibbs chain: 10^6 steps of a 784x500 RBM already take hours per thousand samples.</summary>
    public const int MaxGibbsSteps = 1_000_000;

    /// <summary>Reads the <c>generate</c> section of <paramref name="modelJson"/>; <paramref name="where"/> names the file in errors.</summary>
    public static GenerateSpec Parse(string modelJson, string where)
    {
        using var doc = JsonDocument.Parse(modelJson, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!doc.RootElement.TryGetProperty("generate", out var g))
        {
            throw new DtrainException($"{where}: the model has no \"generate\" section: add {{\"output\": NODE}} (a GAN's generator) or {{\"rbm\": NODE, \"gibbs_steps\": N}} to its model file");
        }

        if (g.ValueKind != JsonValueKind.Object)
        {
            throw Bad(where, "must be an object");
        }

        string? output = null, rbm = null;
        int[]? shape = null;
        var steps = 1000;
        float low = 0, high = 1;
        foreach (var field in g.EnumerateObject())
        {
            switch (field.Name)
            {
                case "output":
                    output = Name(field.Value, where, "output");
                    break;
                case "rbm":
                    rbm = Name(field.Value, where, "rbm");
                    break;
                case "gibbs_steps":
                    steps = field.Value.ValueKind == JsonValueKind.Number && field.Value.TryGetInt32(out var s) && s is >= 1 and <= MaxGibbsSteps
                        ? s
                        : throw Bad(where, $"\"gibbs_steps\" must be an integer in [1, {MaxGibbsSteps:N0}], got {field.Value.GetRawText()}");
                    break;
                case "shape":
                    shape = field.Value.ValueKind == JsonValueKind.Array && field.Value.GetArrayLength() is 2 or 3
                        && field.Value.EnumerateArray().All(d => d.ValueKind == JsonValueKind.Number && d.TryGetInt32(out var v) && v is >= 1 and <= 4096)
                        ? field.Value.EnumerateArray().Select(d => d.GetInt32()).ToArray()
                        : throw Bad(where, $"\"shape\" must be [H, W] or [1, H, W] of positive integers, got {field.Value.GetRawText()}");
                    if (shape.Length == 3 && shape[0] != 1)
                    {
                        throw Bad(where, $"\"shape\" [{string.Join(", ", shape)}] has {shape[0]} channels; IDX and the PNG grid hold grayscale images: [1, H, W]");
                    }

                    break;
                case "range":
                    var ends = field.Value.ValueKind == JsonValueKind.Array && field.Value.GetArrayLength() == 2
                        && field.Value.EnumerateArray().All(d => d.ValueKind == JsonValueKind.Number)
                        ? field.Value.EnumerateArray().Select(d => d.GetSingle()).ToArray()
                        : null;
                    (low, high) = ends is [var lo, var hi] && float.IsFinite(lo) && float.IsFinite(hi) && lo < hi
                        ? (lo, hi)
                        : throw Bad(where, $"\"range\" must be [LOW, HIGH] with LOW < HIGH (e.g. [-1, 1] for tanh), got {field.Value.GetRawText()}");
                    break;
                default:
                    throw Bad(where, $"unknown field '{Models.Printable.Escape(field.Name)}'; known: output, rbm, gibbs_steps, shape, range");
            }
        }

        if ((output is null) == (rbm is null))
        {
            throw Bad(where, "needs exactly one of \"output\" (a GAN's generator node) and \"rbm\" (an rbm node to run a Gibbs chain on)");
        }

        return new GenerateSpec(output, rbm, steps, shape, low, high);
    }

    /// <summary>The image height and width of a sample of <paramref name="size"/> floats; errors name <paramref name="where"/>.</summary>
    public (int Height, int Width) ImageSize(int size, int[]? nodeShape, string where)
    {
        var shape = Shape ?? nodeShape switch
        {
            [_, _] or [1, _, _] => nodeShape,
            _ => (int)Math.Sqrt(size) is var side && side * side == size ? [side, side] : null,
        };
        if (shape is null)
        {
            throw Bad(where, $"a sample has {size} values, not a square image: give \"shape\": [H, W]");
        }

        var (h, w) = (shape[^2], shape[^1]);
        return (long)h * w == size ? (h, w) : throw Bad(where, $"\"shape\" [{string.Join(", ", shape)}] holds {(long)h * w} values, but a sample has {size}");
    }

    private static string Name(JsonElement value, string where, string field) =>
        value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s && Models.Printable.FirstHostile(s) < 0
            ? s
            : throw Bad(where, $"\"{field}\" must name a node, got {value.GetRawText()}");

    private static DtrainException Bad(string where, string problem) => new($"{where}: \"generate\": {problem}");
}
