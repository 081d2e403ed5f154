// ChunkPlacement cuts every parameter tensor into chunks, covers the flat vector exactly once, balances floats
// across shards within one chunk, and Gather/Scatter move a shard's chunks to and from its payload losslessly.
using Dtrain.Models.Graph;

namespace Dtrain.Protocol.Tests;

public sealed class ChunkPlacementTests
{
    // Parameters: fc1.weight 7x5 = 35, fc1.bias 5, fc2.weight 5x3 = 15, fc2.bias 3; 58 floats in all.
    private const string ModelJson = """
        {
          "inputs": [{"name": "x", "shape": [7], "dtype": "float32"}, {"name": "y", "shape": [], "dtype": "int32"}],
          "nodes": [
            {"id": "fc1", "op": "dense", "inputs": ["x"], "attrs": {"units": 5}},
            {"id": "relu1", "op": "relu", "inputs": ["fc1"]},
            {"id": "fc2", "op": "dense", "inputs": ["relu1"], "attrs": {"units": 3}},
            {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc2", "y"]}
          ],
          "loss": "loss",
          "output": "fc2"
        }
        """;

    private static readonly CompiledModel Model = ModelCompiler.Compile(ModelParser.Parse(ModelJson, "test.json"));

    [Fact]
    public void Test_model_has_the_expected_layout()
    {
        Assert.Equal(58, Model.ParameterCount);
        Assert.Equal([35, 5, 15, 3], Model.Parameters.Select(p => p.Size));
    }

    [Theory]
    [InlineData(4, 3)]
    [InlineData(1, 4)]
    [InlineData(10, 2)]
    [InlineData(7, 1)]
    [InlineData(1000, 3)]
    [InlineData(5, 20)]
    public void Plan_covers_every_float_exactly_once(int chunkSize, int shards)
    {
        // Act
        var plan = ChunkPlacement.Plan(Model, chunkSize, shards);

        // Assert
        Assert.Equal(shards, plan.Length);
        var owners = new int[Model.ParameterCount];
        foreach (var chunk in plan.SelectMany(s => s))
        {
            var tensor = Model.Parameters[chunk.Tensor];
            Assert.InRange(chunk.Length, 1, chunkSize);
            Assert.Equal(tensor.Offset + (chunk.Index * chunkSize), chunk.Offset);
            Assert.InRange(chunk.Offset + chunk.Length, chunk.Offset, tensor.Offset + tensor.Size);
            for (var i = chunk.Offset; i < chunk.Offset + chunk.Length; i++)
            {
                owners[i]++;
            }
        }

        Assert.All(owners, count => Assert.Equal(1, count));
    }

    [Theory]
    [InlineData(4, 3)]
    [InlineData(1, 4)]
    [InlineData(10, 2)]
    [InlineData(16, 3)]
    [InlineData(1000, 3)]
    [InlineData(5, 20)]
    public void Plan_balances_floats_within_one_chunk(int chunkSize, int shards)
    {
        // Act
        var loads = ChunkPlacement.Plan(Model, chunkSize, shards).Select(ChunkPlacement.Floats).ToArray();

        // Assert
        Assert.Equal(Model.ParameterCount, loads.Sum());
        Assert.True(loads.Max() - loads.Min() <= chunkSize, $"loads {string.Join(", ", loads)} differ by more than {chunkSize}");
    }

    [Fact]
    public void Plan_lists_each_shards_chunks_in_flat_vector_order()
    {
        // Act
        var plan = ChunkPlacement.Plan(Model, 4, 3);

        // Assert
        foreach (var shard in plan)
        {
            Assert.Equal(shard.OrderBy(c => c.Offset).ToArray(), shard);
        }
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(4, 0)]
    public void Plan_rejects_an_empty_chunk_or_no_shards(int chunkSize, int shards) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ChunkPlacement.Plan(Model, chunkSize, shards));

    [Fact]
    public void Gather_then_Scatter_restores_the_flat_vector()
    {
        // Arrange
        var plan = ChunkPlacement.Plan(Model, 4, 3);
        var flat = Enumerable.Range(0, Model.ParameterCount).Select(i => i + 0.5f).ToArray();
        var restored = new float[flat.Length];

        // Act
        foreach (var chunks in plan)
        {
            var payload = new float[ChunkPlacement.Floats(chunks)];
            ChunkPlacement.Gather(flat, chunks, payload);
            ChunkPlacement.Scatter(payload, chunks, restored);
        }

        // Assert
        Assert.Equal(flat, restored);
    }

    [Fact]
    public void Gather_concatenates_the_chunks_in_order()
    {
        // Arrange
        var flat = Enumerable.Range(0, 20).Select(i => (float)i).ToArray();
        ChunkInfo[] chunks = [new(0, 0, 2, 3), new(1, 1, 10, 2)];
        var payload = new float[ChunkPlacement.Floats(chunks)];

        // Act
        ChunkPlacement.Gather(flat, chunks, payload);

        // Assert
        Assert.Equal([2f, 3f, 4f, 10f, 11f], payload);
    }

    [Fact]
    public void Runs_merge_neighbouring_chunks_of_one_kind_in_payload_order()
    {
        ChunkInfo[] chunks = [new(0, 0, 100, 5), new(0, 1, 105, 5), new(1, 0, 0, 3, State: true), new(2, 0, 50, 4)];

        var runs = ChunkPlacement.Runs(chunks);

        Assert.Equal([(0, 10, false, 0), (10, 3, true, 0), (13, 4, false, 0)], runs);
    }

    [Fact]
    public void Runs_never_merge_chunks_of_two_groups()
    {
        ChunkInfo[] chunks = [new(0, 0, 0, 5, Group: 1), new(1, 0, 5, 5, Group: 1), new(2, 0, 10, 3, Group: 2)];

        var runs = ChunkPlacement.Runs(chunks);

        Assert.Equal([(0, 10, false, 1), (10, 3, false, 2)], runs);
    }

    [Fact]
    public void Plan_gives_each_chunk_the_group_of_its_tensor()
    {
        var model = Dtrain.Models.Graph.ModelCompiler.Compile(Dtrain.Models.Graph.ModelParser.Parse("""
            {"inputs": [{"name": "x", "shape": [4]}, {"name": "y", "shape": [], "dtype": "int32"}],
             "nodes": [{"id": "a", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}},
                       {"id": "b", "op": "dense", "inputs": ["a"], "attrs": {"units": 3}},
                       {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["b", "y"]}],
             "groups": [{"name": "B", "params": ["b"]}], "loss": "loss"}
            """, "groups.json"));

        var chunks = ChunkPlacement.Plan(model, chunkSize: 5, shards: 2).SelectMany(s => s).ToArray();

        Assert.All(chunks, c => Assert.Equal(model.Parameters[c.Tensor].Name.StartsWith('b') ? 1 : 0, c.Group));
        Assert.Contains(chunks, c => c.Group == 1);
    }
}
