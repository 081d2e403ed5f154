// A tiny classification job (synthetic, linearly separable data) so actor tests run in milliseconds.
using Dtrain.Coordinator;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;

namespace Dtrain.Tests;

/// <summary>Model, data and settings for actor tests.</summary>
public static class TinyJob
{
    /// <summary>4 features -> dense 8 -> relu -> dense 3 -> softmax cross-entropy.</summary>
    public const string ModelJson = """
        {"name":"tiny","inputs":[{"name":"x","shape":[4]},{"name":"y","shape":[],"dtype":"int32"}],
         "nodes":[{"id":"fc1","op":"dense","inputs":["x"],"attrs":{"units":8,"weight_init":"he_uniform"}},
                  {"id":"h","op":"relu","inputs":["fc1"]},
                  {"id":"out","op":"dense","inputs":["h"],"attrs":{"units":3}},
                  {"id":"loss","op":"softmax_cross_entropy","inputs":["out","y"]}],
         "loss":"loss"}
        """;

    /// <summary>The compiled model.</summary>
    public static CompiledModel Model { get; } = ModelCompiler.Compile(ModelParser.Parse(ModelJson, "tiny.json"));

    /// <summary><paramref name="count"/> examples whose class is the index of their largest feature (of the first 3).</summary>
    public static Dataset Data(int count, int seed)
    {
        var rng = new Random(seed);
        var features = new float[count * 4];
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            labels[i] = rng.Next(3);
            for (var f = 0; f < 4; f++)
            {
                features[(i * 4) + f] = (float)rng.NextDouble();
            }

            features[(i * 4) + labels[i]] += 1f;
        }

        return new Dataset($"tiny-{seed}", [4], 3, features, labels);
    }

    /// <summary>A job over the tiny model with the given settings.</summary>
    public static JobSpec Spec(TrainingSettings settings) => new("tiny", "tiny.json", ModelJson, Model, settings);
}
