// Embedding kernels of the CPU backend: row gather forward, row scatter-add backward.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public int EmbeddingLookup(Tensor ids, Tensor table, Tensor y, int count, int vocab, int dim, Func<int, float, string>? describe = null)
    {
        // ids: (count)  table: (vocab, dim)  y: (count, dim)
        var idSpan = Span(ids)[..count];
        var t = Span(table);
        var ys = Span(y);
        for (var i = 0; i < count; i++)
        {
            var value = idSpan[i];
            if (!(value >= 0f && value < vocab) || value != MathF.Floor(value))
            {
                return i;
            }

            t.Slice((int)value * dim, dim).CopyTo(ys.Slice(i * dim, dim));
        }

        return -1;
    }

    /// <inheritdoc/>
    public void EmbeddingBackward(Tensor ids, Tensor dy, Tensor dtable, int count, int vocab, int dim, bool accumulate)
    {
        // ids: (count)  dy: (count, dim)  dtable: (vocab, dim); a repeated id sums its rows' gradients.
        var idSpan = Span(ids)[..count];
        var dys = Span(dy);
        var dt = Span(dtable)[..(vocab * dim)];
        if (!accumulate)
        {
            dt.Clear();
        }

        for (var i = 0; i < count; i++)
        {
            var value = idSpan[i];
            if (value >= 0f && value < vocab && value == MathF.Floor(value))
            {
                Simd.AddInPlace(dt.Slice((int)value * dim, dim), dys.Slice(i * dim, dim));
            }
        }
    }
}
