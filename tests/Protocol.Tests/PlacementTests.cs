// Chunk placement: every float placed once, shards balanced within one chunk, payloads round-trip.
using Dtrain.Models.Graph;

namespace Dtrain.Protocol.Tests;

public sealed class PlacementTests
{
    private const string Mlp = """
        {"inputs":[{"name":"x","shape":[784]},{"name":"y","shape":[],"dtype":"int32"}],
         "nodes":[{"id":"fc1","op":"dense","inputs":["x"],"attrs":{"units":512}},
                  {"id":"r","op":"relu","inputs":["fc1"]},
                  {"id":"fc2","op":"dense","inputs":["r"],"attrs":{"units":10}},
                  {"id":"loss","op":"softmax_cross_entropy","inputs":["fc2","y"]}],
         "loss":"loss"}
        """;

    private static readonly CompiledModel Model = ModelCompiler.Compile(ModelParser.Parse(Mlp, "mlp.json"));

    [Theory]
    [InlineData(65536, 1)]
    [InlineData(65536, 2)]
    [InlineData(10000, 3)]
    [InlineData(1000, 7)]
    public void Plan_places_every_float_once_and_balances_shards_within_one_chunk(int chunkSize, int shards)
    {
        var plan = ChunkPlacement.Plan(Model, chunkSize, shards);

        var covered = new int[Model.ParameterCount];
        foreach (var chunk in plan.SelectMany(s => s))
        {
            for (var i = chunk.Offset; i < chunk.Offset + chunk.Length; i++)
            {
                covered[i]++;
            }
        }

        Assert.All(covered, c => Assert.Equal(1, c));
        var loads = plan.Select(ChunkPlacement.Floats).ToList();
        Assert.Equal(shards, loads.Count);
        Assert.True(loads.Max() - loads.Min() <= chunkSize, $"loads {string.Join(",", loads)}");
        Assert.All(plan.SelectMany(s => s), c => Assert.True(c.Length <= chunkSize));
    }

    [Fact]
    public void Gather_then_scatter_restores_each_shards_floats()
    {
        var plan = ChunkPlacement.Plan(Model, 4096, 3);
        var flat = Enumerable.Range(0, Model.ParameterCount).Select(i => (float)i).ToArray();
        var restored = new float[flat.Length];

        foreach (var shard in plan)
        {
            var payload = new float[ChunkPlacement.Floats(shard)];
            ChunkPlacement.Gather(flat, shard, payload);
            ChunkPlacement.Scatter(payload, shard, restored);
        }

        Assert.Equal(flat, restored);
    }

    [Fact]
    public void Runs_merge_neighbouring_chunks_of_one_kind_in_payload_order()
    {
        ChunkInfo[] chunks = [new(0, 0, 100, 5), new(0, 1, 105, 5), new(1, 0, 0, 3, State: true), new(2, 0, 50, 4)];

        var runs = ChunkPlacement.Runs(chunks);

        Assert.Equal([(0, 10, false), (10, 3, true), (13, 4, false)], runs);
    }
}
