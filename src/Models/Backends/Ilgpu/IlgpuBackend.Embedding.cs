// Embedding on the device: a row gather that records the first bad id, and a row scatter-add backward.
using Dtrain.Models.Tensors;
using ILGPU;
using ILGPU.Runtime;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc/>
    public int EmbeddingLookup(Tensor ids, Tensor table, Tensor y, int count, int vocab, int dim, Func<int, float, string>? describe = null)
    {
        // ids: (count)  table: (vocab, dim)  y: (count, dim)
        if (describe is not null)
        {
            // Deferred: the check rides in the fault slots and is thrown, described by the caller, at the next host read.
            _embeddingDescribe ??= describe;
            Run(count * dim, IlgpuKernels.EmbeddingGather, V(ids), V(table), V(y), Faults().SubView(EmbeddingFault, 1), vocab, dim);
            return -1;
        }

        var bad = _embeddingBad.View.BaseView;
        Run(1, IlgpuKernels.FillLong, bad, NoFault);
        Run(count * dim, IlgpuKernels.EmbeddingGather, V(ids), V(table), V(y), bad, vocab, dim);
        var found = new long[1];
        _embeddingBad.View.CopyToCPU(_accelerator.DefaultStream, found);
        Synchronize();
        return found[0] == NoFault ? -1 : (int)(found[0] >> 32);
    }

    /// <inheritdoc/>
    public void EmbeddingBackward(Tensor ids, Tensor dy, Tensor dtable, int count, int vocab, int dim, bool accumulate)
    {
        // ids: (count)  dy: (count, dim)  dtable: (vocab, dim); a repeated id sums its rows' gradients.
        if (!accumulate)
        {
            Run(vocab * dim, IlgpuKernels.Fill, V(dtable).SubView(0, vocab * dim), 0f);
        }

        Run(count * dim, IlgpuKernels.EmbeddingScatter, V(ids), V(dy), V(dtable), vocab, dim);
    }
}
