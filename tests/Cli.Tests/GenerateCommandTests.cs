// dtrain generate: a trained model's "generate" section turned into a uint8 IDX image file and a PNG grid, from a
// generator run forward (GAN mode) or a Gibbs chain on an RBM's parameters.
using System.Buffers.Binary;
using Dtrain.Models.Graph;
using Dtrain.Protocol.Persistence;
using StbImageSharp;

namespace Dtrain.Cli.Tests;

public sealed class GenerateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-generate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_generator_fed_from_the_features_writes_an_idx_file_of_its_clamped_values_and_a_png_grid()
    {
        // Arrange: g_out = sigmoid(z W + b) with W = 0, so every sample is sigmoid(b): pixel i's byte is known.
        var generator = Generator("sigmoid", "");
        var bias = Bias(generator.Model, generator.Parameters);
        for (var i = 0; i < bias.Length; i++)
        {
            bias[i] = ((i % 13) - 6) * 0.7f;
        }

        var trained = Write(generator);
        var (idx, png) = (Path.Combine(_dir, "samples.idx"), Path.Combine(_dir, "grid.png"));

        // Act
        var result = DtrainProcess.Run(TimeSpan.FromMinutes(2), "generate", trained, "--count", "7", "--output", idx, "--png", png, "--seed", "3");

        // Assert: the IDX header (magic 0x803, 7 x 6 x 5) and each sample's bytes; the grid is 3 x 3 cells of 6 x 5.
        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        var (count, height, width, pixels) = ReadIdx(idx);
        Assert.Equal((7, 6, 5), (count, height, width));
        for (var n = 0; n < count; n++)
        {
            for (var i = 0; i < 30; i++)
            {
                Assert.Equal((byte)MathF.Round(255f / (1f + MathF.Exp(-bias[i]))), pixels[(n * 30) + i]);
            }
        }

        var image = ImageResult.FromMemory(File.ReadAllBytes(png), ColorComponents.Grey);
        Assert.Equal(SampleImages.GridPixels(7, 6, 5), (image.Width, image.Height));
        Assert.Equal((3 * 5) + (4 * SampleImages.Gap), image.Width);
        Assert.Equal(pixels[0], image.Data[(SampleImages.Gap * image.Width) + SampleImages.Gap]);
    }

    [Fact]
    public void A_tanh_generator_with_range_minus_one_to_one_maps_its_values_to_bytes_and_draws_new_noise_per_sample()
    {
        // Arrange: W != 0, so samples follow the features' noise; tanh's [-1, 1] is mapped to [0, 255].
        var trained = Write(Generator("tanh", ", \"range\": [-1, 1]"));
        var idx = Path.Combine(_dir, "tanh.idx");

        // Act
        var result = DtrainProcess.Run(TimeSpan.FromMinutes(2), "generate", trained, "--count", "600", "--output", idx);

        // Assert: 600 samples over two batches, all different, spreading over the byte range.
        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        var (count, _, _, pixels) = ReadIdx(idx);
        Assert.Equal(600, count);
        Assert.Equal(600, Enumerable.Range(0, 600).Select(n => Convert.ToBase64String(pixels, n * 30, 30)).Distinct().Count());
        Assert.True(pixels.Min() < 40 && pixels.Max() > 215, $"bytes span {pixels.Min()}..{pixels.Max()}");
    }

    [Fact]
    public void A_model_without_a_generate_section_is_one_line_saying_what_to_add()
    {
        var trained = Write(Generator("sigmoid", "", generate: false));

        var result = DtrainProcess.Run(TimeSpan.FromMinutes(2), "generate", trained, "--count", "4", "--output", Path.Combine(_dir, "x.idx"));

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"dtrain: error: {trained} (gen.json): the model has no \"generate\" section", line);
    }

    [Fact]
    public void A_generator_drawing_its_own_noise_from_a_normal_node_repeats_for_a_seed_and_changes_with_it()
    {
        // Arrange: z = normal(x) inside the graph (the features are unused but for the batch size).
        var json = """
            { "name": "gan-g",
              "inputs": [ { "name": "x", "shape": [1] }, { "name": "y", "shape": [], "dtype": "int32" } ],
              "nodes": [ { "id": "z", "op": "normal", "inputs": ["x"], "attrs": { "shape": [8] } },
                         { "id": "g_out", "op": "dense", "inputs": ["z"], "attrs": { "units": 16, "activation": "sigmoid" } },
                         { "id": "score", "op": "dense", "inputs": ["g_out"], "attrs": { "units": 2 } },
                         { "id": "loss", "op": "softmax_cross_entropy", "inputs": ["score", "y"] } ],
              "loss": "loss", "output": "score",
              "generate": { "output": "g_out" } }
            """;
        var model = ModelCompiler.Compile(ModelParser.Parse(json, "gen.json"));
        var trained = Write((json, model, model.InitialParameters(2)));
        string Generate(string seed, string name)
        {
            var idx = Path.Combine(_dir, name);
            var result = DtrainProcess.Run(TimeSpan.FromMinutes(2), "generate", trained, "--count", "5", "--output", idx, "--seed", seed);
            Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
            var (count, height, width, pixels) = ReadIdx(idx);
            Assert.Equal((5, 4, 4), (count, height, width)); // 16 values: a 4 x 4 square
            return Convert.ToBase64String(pixels);
        }

        // Act
        var (first, again, other) = (Generate("7", "a.idx"), Generate("7", "b.idx"), Generate("8", "c.idx"));

        // Assert
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Rbm_mode_runs_a_gibbs_chain_on_the_rbm_nodes_parameters()
    {
        // Arrange: an RBM over 4 x 4 visibles with W = 0, so every chain's visible probabilities are sigmoid(bv).
        var json = """
            { "name": "rbm16",
              "inputs": [ { "name": "image", "shape": [16] }, { "name": "label", "shape": [], "dtype": "int32" } ],
              "nodes": [ { "id": "w", "op": "parameter", "attrs": { "shape": [16, 6] } },
                         { "id": "bv", "op": "parameter", "attrs": { "shape": [16] } },
                         { "id": "bh", "op": "parameter", "attrs": { "shape": [6] } },
                         { "id": "rbm1", "op": "rbm", "inputs": ["image", "w", "bv", "bh"] } ],
              "loss": "rbm1", "output": "image",
              "generate": { "rbm": "rbm1", "gibbs_steps": 20 } }
            """;
        var model = ModelCompiler.Compile(ModelParser.Parse(json, "gen.json"));
        var parameters = new float[model.ParameterCount];
        var bv = model.Parameters.Single(p => p.Name == "bv");
        for (var i = 0; i < 16; i++)
        {
            parameters[bv.Offset + i] = (i - 8) * 0.6f;
        }

        var trained = Write((json, model, parameters));
        var (idx, png) = (Path.Combine(_dir, "rbm.idx"), Path.Combine(_dir, "rbm.png"));

        // Act
        var result = DtrainProcess.Run(TimeSpan.FromMinutes(2), "generate", trained, "--count", "3", "--output", idx, "--png", png);

        // Assert
        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        Assert.Contains("rbm 'rbm1', 20 Gibbs steps", result.Stdout);
        var (count, height, width, pixels) = ReadIdx(idx);
        Assert.Equal((3, 4, 4), (count, height, width));
        Assert.All(Enumerable.Range(0, 48), i => Assert.Equal((byte)MathF.Round(255f / (1f + MathF.Exp(-(((i % 16) - 8) * 0.6f)))), pixels[i]));
        var image = ImageResult.FromMemory(File.ReadAllBytes(png), ColorComponents.Grey);
        Assert.Equal(SampleImages.GridPixels(3, 4, 4), (image.Width, image.Height));
    }

    [Fact]
    public void A_gibbs_chain_on_an_rbm_without_weights_samples_its_visible_biases()
    {
        // With W = 0 the visible units ignore the hidden ones: p(v_i) = sigmoid(bv_i) at every step.
        var bv = Enumerable.Range(0, 12).Select(i => (i - 6) * 0.5f).ToArray();

        var samples = GibbsChain.Sample(new float[12 * 4], bv, new float[4], count: 3, steps: 5, seed: 1);

        Assert.Equal(36, samples.Length);
        for (var i = 0; i < samples.Length; i++)
        {
            Assert.Equal(1f / (1f + MathF.Exp(-bv[i % 12])), samples[i], 1e-6f);
        }
    }

    [Fact]
    public void A_gibbs_chain_settles_in_the_pattern_its_weights_store_and_repeats_for_its_seed()
    {
        // One hidden unit tied strongly to the first half of 8 visible units, biased on: the chain settles in 11110000.
        var w = new float[8];
        for (var i = 0; i < 8; i++)
        {
            w[i] = i < 4 ? 8 : -8;
        }

        var first = GibbsChain.Sample(w, new float[8], [2f], count: 4, steps: 50, seed: 9);
        var again = GibbsChain.Sample(w, new float[8], [2f], count: 4, steps: 50, seed: 9);

        Assert.Equal(first, again);
        Assert.All(Enumerable.Range(0, 32), i => Assert.True(i % 8 < 4 ? first[i] > 0.99f : first[i] < 0.01f, $"unit {i % 8}: {first[i]}"));
    }

    /// <summary>z (4 features) -> dense 30 with <paramref name="activation"/> as g_out; a 6 x 5 image per sample.</summary>
    private static (string Json, CompiledModel Model, float[] Parameters) Generator(string activation, string extra, bool generate = true)
    {
        var json = $$"""
            { "name": "gen",
              "inputs": [ { "name": "z", "shape": [4] }, { "name": "target", "shape": [30], "source": "labels" } ],
              "nodes": [ { "id": "g_out", "op": "dense", "inputs": ["z"], "attrs": { "units": 30, "activation": "{{activation}}" } },
                         { "id": "loss", "op": "mse", "inputs": ["g_out", "target"] } ],
              "loss": "loss", "output": "g_out"
              {{(generate ? $", \"generate\": {{ \"output\": \"g_out\", \"shape\": [1, 6, 5]{extra} }}" : "")}} }
            """;
        var model = ModelCompiler.Compile(ModelParser.Parse(json, "gen.json"));
        return (json, model, model.InitialParameters(1));
    }

    private static Span<float> Bias(CompiledModel model, float[] parameters)
    {
        var weight = model.Parameters.Single(p => p.Name == "g_out.weight");
        parameters.AsSpan(weight.Offset, weight.Size).Clear();
        var bias = model.Parameters.Single(p => p.Name == "g_out.bias");
        return parameters.AsSpan(bias.Offset, bias.Size);
    }

    private string Write((string Json, CompiledModel Model, float[] Parameters) generator)
    {
        var path = Path.Combine(_dir, "gen.dtmodel");
        new TrainedModel("gen.json", generator.Json, generator.Parameters, new Dictionary<string, string>()).Write(path);
        return path;
    }

    private static (int Count, int Height, int Width, byte[] Pixels) ReadIdx(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(SampleImages.IdxMagic, BinaryPrimitives.ReadInt32BigEndian(bytes));
        var (count, height, width) = (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12)));
        Assert.Equal(16 + (count * height * width), bytes.Length);
        return (count, height, width, bytes[16..]);
    }
}
