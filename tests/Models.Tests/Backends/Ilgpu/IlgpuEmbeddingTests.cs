// On a device the embedding's id check does not wait in the middle of forward: a bad id is thrown, with the node,
// example and position named as on the CPU, at the next read back to the host, and backward never writes past the table.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends.Ilgpu;
using static Dtrain.Models.Tests.Ops.LayerGradientCheck;

namespace Dtrain.Models.Tests.Backends.Ilgpu;

[Collection(IlgpuCollection.Name)]
public sealed class IlgpuEmbeddingTests(IlgpuAccelerators accelerators)
{
    private const string Json = Ops.EmbeddingTests.Json;

    [Fact]
    public void A_bad_id_is_reported_at_the_next_host_read_naming_the_node_the_example_and_the_position()
    {
        var model = Compile(Json);
        using var backend = new IlgpuBackend(accelerators.Cpu, ownsAccelerator: false);
        using var executor = new GraphExecutor(model, backend, 2, training: true);
        executor.SetBatch([0f, 1f, 2f, 7f], new float[12], 2);

        executor.Forward();
        executor.Backward();
        var error = Assert.Throws<DtrainException>(() => executor.ReadLoss());

        Assert.Equal("node 'emb' (embedding): id 7 (example 1, position 1) is not an integer in [0, 4)", error.Message);

        // Reported once: the next step with good ids reads back normally.
        executor.SetBatch([0f, 1f, 2f, 3f], new float[12], 2);
        executor.Forward();
        Assert.True(float.IsFinite(executor.ReadLoss()));
    }
}
