// Parameter initializers: reproducible for a seed, within the published bounds and variances, and parsed from
// model-file names and objects.
using System.Text.Json;
using Dtrain.Models.Graph;
using Dtrain.Models.Initializers;

namespace Dtrain.Models.Tests.Initializers;

public sealed class InitializerTests
{
    private const int FanIn = 300;
    private const int FanOut = 200;
    private const int Samples = 60_000;

    // InitialParameters(42) of the 2 -> 2 dense model below: glorot_uniform weights, then the 0.5 biases.
    private static readonly float[] RecordedSeed42 = [-0.7217751f, -0.9977268f, 0.116900794f, -0.21257822f, 0.5f, 0.5f];

    public static TheoryData<InitKind> RandomKinds =>
        [InitKind.Uniform, InitKind.Normal, InitKind.GlorotUniform, InitKind.GlorotNormal, InitKind.HeUniform, InitKind.HeNormal];

    [Theory]
    [MemberData(nameof(RandomKinds))]
    public void Fill_is_deterministic_for_a_seed(InitKind kind)
    {
        var init = new Initializer(kind);

        var first = Fill(init, 1001, seed: 7);
        var second = Fill(init, 1001, seed: 7);

        Assert.Equal(first, second);
    }

    [Theory]
    [MemberData(nameof(RandomKinds))]
    public void Fill_differs_between_seeds(InitKind kind)
    {
        var init = new Initializer(kind);

        var first = Fill(init, 1001, seed: 7);
        var second = Fill(init, 1001, seed: 8);

        Assert.NotEqual(first, second);
    }

    [Theory]
    [InlineData(InitKind.GlorotUniform, 0.10954451)] // sqrt(6 / (300 + 200))
    [InlineData(InitKind.HeUniform, 0.14142136)] // sqrt(6 / 300)
    public void Uniform_fans_stay_within_their_bound_with_the_uniform_std(InitKind kind, double bound)
    {
        var values = Fill(new Initializer(kind), Samples, seed: 1);

        Assert.All(values, v => Assert.InRange(Math.Abs(v), 0, bound));
        // U(-a, a) has standard deviation a / sqrt(3).
        AssertMoments(values, bound / Math.Sqrt(3));
        Assert.True(values.Max(Math.Abs) > 0.99 * bound, "samples should reach close to the bound");
    }

    [Theory]
    [InlineData(InitKind.GlorotNormal, 0.06324555)] // sqrt(2 / (300 + 200))
    [InlineData(InitKind.HeNormal, 0.08164966)] // sqrt(2 / 300)
    public void Normal_fans_have_the_published_std(InitKind kind, double std)
    {
        var values = Fill(new Initializer(kind), Samples, seed: 2);

        AssertMoments(values, std);
    }

    [Fact]
    public void Uniform_and_normal_use_their_scale()
    {
        var uniform = Fill(new Initializer(InitKind.Uniform, 0.3f), Samples, seed: 3);
        var normal = Fill(new Initializer(InitKind.Normal, 0.3f), Samples, seed: 4);

        Assert.All(uniform, v => Assert.InRange(Math.Abs(v), 0, 0.3));
        AssertMoments(uniform, 0.3 / Math.Sqrt(3));
        AssertMoments(normal, 0.3);
    }

    [Fact]
    public void Zeros_and_constant_fill_every_element()
    {
        Assert.All(Fill(Initializer.Zeros, 17, seed: 5), v => Assert.Equal(0f, v));
        Assert.All(Fill(new Initializer(InitKind.Constant, 0.25f), 17, seed: 5), v => Assert.Equal(0.25f, v));
    }

    [Theory]
    [InlineData("\"he_normal\"", InitKind.HeNormal, 0.05f)]
    [InlineData("\"Xavier_Uniform\"", InitKind.GlorotUniform, 0.05f)]
    [InlineData("\"kaiming_uniform\"", InitKind.HeUniform, 0.05f)]
    [InlineData("{\"type\": \"normal\", \"scale\": 0.01}", InitKind.Normal, 0.01f)]
    [InlineData("{\"type\": \"constant\", \"value\": 0.5}", InitKind.Constant, 0.5f)]
    [InlineData("{\"type\": \"zeros\"}", InitKind.Zeros, 0.05f)]
    public void Parse_reads_names_and_objects(string json, InitKind kind, float scale)
    {
        var init = Initializer.Parse(JsonDocument.Parse(json).RootElement);

        Assert.Equal(new Initializer(kind, scale), init);
    }

    [Fact]
    public void Parse_rejects_an_unknown_name_listing_the_known_ones()
    {
        var error = Assert.Throws<DtrainException>(() => Initializer.Parse(JsonDocument.Parse("\"lecun_magic\"").RootElement));

        Assert.Contains("unknown initializer 'lecun_magic'", error.Message);
        Assert.Contains("glorot_uniform", error.Message);
        Assert.Contains("he_normal", error.Message);
    }

    [Theory]
    [InlineData("{\"type\": \"normal\", \"scale\": \"big\"}", "scale must be a number")]
    [InlineData("{\"scale\": 0.1}", "an initializer is a name or an object")]
    [InlineData("42", "an initializer is a name or an object")]
    public void Parse_rejects_malformed_objects(string json, string problem)
    {
        var error = Assert.Throws<DtrainException>(() => Initializer.Parse(JsonDocument.Parse(json).RootElement));

        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void InitialParameters_are_the_same_in_every_process()
    {
        // Values recorded from an earlier run: a seed must give the same model in every process and on every
        // machine (parameter-server shards initialize apart), so nothing process-random may enter the seeding.
        var model = ModelCompiler.Compile(ModelParser.Parse("""
            {"inputs": [{"name": "x", "shape": [2]}, {"name": "y", "shape": [], "dtype": "int32"}],
             "nodes": [{"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": 2, "bias_init": {"type": "constant", "value": 0.5}}},
                       {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc1", "y"]}],
             "loss": "loss"}
            """, "seeded.json"));

        var parameters = model.InitialParameters(seed: 42);

        Assert.Equal(RecordedSeed42, parameters);
    }

    private static float[] Fill(Initializer init, int length, int seed)
    {
        var values = new float[length];
        init.Fill(values, FanIn, FanOut, new Random(seed));
        return values;
    }

    /// <summary>Mean near zero and standard deviation within 10% of <paramref name="std"/>.</summary>
    private static void AssertMoments(float[] values, double std)
    {
        var mean = values.Average(v => (double)v);
        var sampleStd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        Assert.InRange(mean, -0.05 * std, 0.05 * std);
        Assert.InRange(sampleStd, 0.9 * std, 1.1 * std);
    }
}
