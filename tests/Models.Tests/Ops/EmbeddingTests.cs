// embedding's lookup, and its refusal of ids outside the vocabulary with the node and id named.
using Dtrain.Models.Backends.Cpu;
using static Dtrain.Models.Tests.Ops.LayerGradientCheck;

namespace Dtrain.Models.Tests.Ops;

public sealed class EmbeddingTests
{
    /// <summary>ids (batch, 2) through a 4 x 3 table, against float targets: the model every embedding test uses.</summary>
    internal const string Json = """
        {"inputs": [{"name": "ids", "shape": [2], "dtype": "int32", "source": "features"},
                    {"name": "t", "shape": [2, 3], "dtype": "float32", "source": "labels"}],
         "nodes": [{"id": "emb", "op": "embedding", "inputs": ["ids"], "attrs": {"vocab": 4, "dim": 3}},
                   {"id": "loss", "op": "mse", "inputs": ["emb", "t"]}],
         "loss": "loss"}
        """;

    [Fact]
    public void Embedding_output_is_the_table_rows_of_the_ids()
    {
        var model = Compile(Json);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, maxBatch: 2, seed: 1);
        var table = Enumerable.Range(0, 12).Select(i => (float)i).ToArray(); // row r is 3r, 3r + 1, 3r + 2
        backend.Upload(table, executor.Parameters);

        executor.SetBatch([3f, 0f, 1f, 1f], new float[12], 2);
        executor.Forward();

        Assert.Equal([9f, 10f, 11f, 0f, 1f, 2f, 3f, 4f, 5f, 3f, 4f, 5f], Download(backend, executor.Value(ValueIndex(model, "emb"))));
    }

    [Theory]
    [InlineData(4f, "4")]
    [InlineData(-1f, "-1")]
    [InlineData(1.5f, "1.5")]
    public void Embedding_rejects_an_id_outside_the_vocabulary_naming_the_node_and_the_id(float id, string shown)
    {
        var model = Compile(Json);
        using var backend = new CpuBackend(threads: 1);
        using var executor = Executor(model, backend, maxBatch: 2, seed: 1);
        executor.SetBatch([0f, 1f, 2f, id], new float[12], 2);

        var error = Assert.Throws<DtrainException>(executor.Forward);

        Assert.Contains("'emb'", error.Message);
        Assert.Contains($"id {shown} (example 1, position 1)", error.Message);
        Assert.Contains("[0, 4)", error.Message);
    }
}
