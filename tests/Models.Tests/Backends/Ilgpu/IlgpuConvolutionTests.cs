// How the ILGPU backend splits a convolution's weight gradient into partial sums; the sums themselves are checked
// against the CPU backend by the agreement tests, whose geometries take each path named here.
using Dtrain.Models.Backends.Ilgpu;

namespace Dtrain.Models.Tests.Backends.Ilgpu;

[Collection(IlgpuCollection.Name)]
public sealed class IlgpuConvolutionTests(IlgpuAccelerators accelerators)
{
    [Theory]
    [InlineData(5, 27, 64, 5, 1, 3)]      // dw is 2 tiles of 16 x 16: two slots wanted, of 3 examples and a ragged 2
    [InlineData(5, 27, 64, 2, 1, 1)]      // one example a slot
    [InlineData(21, 27, 9, 3, 1, 3)]      // dw is 4 tiles, enough for one multiprocessor: one product
    [InlineData(5, 27, 9, 8, 1, 8)]       // 9 positions an example: a slot of 4 would be under 64 deep, so one product
    [InlineData(5, 27, 64, 64, 132, 1)]   // a GPU's worth of multiprocessors: one example a slot
    [InlineData(70, 75, 49, 3, 1, 3)]
    public void Weight_gradient_splits_a_chunk_only_while_dw_has_too_few_tiles_to_fill_the_device(
        int filters, int patch, int plane, int count, int multiprocessors, int expected)
    {
        using var backend = new IlgpuBackend(accelerators.Cpu, ownsAccelerator: false);
        Assert.Equal(4, backend.Tile);

        var per = backend.ExamplesPerSlot(filters, patch, plane, count, multiprocessors);

        Assert.Equal(expected, per);
    }
}
