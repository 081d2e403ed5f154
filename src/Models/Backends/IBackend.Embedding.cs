// Kernels of the embedding table: a gather of rows by id forward, a scatter-add of gradients backward.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

public partial interface IBackend
{
    /// <summary>
    /// y[i, :] = table[ids[i], :] for <paramref name="count"/> ids (exact floats) into a (vocab x dim) table.
    /// Returns the position of the first id that is not an integer in [0, vocab), or -1 when all are valid
    /// (then y is complete; otherwise its content is unspecified). Given <paramref name="describe"/>, a device
    /// backend that does not wait for its kernels returns -1 at once instead and throws a
    /// <see cref="DtrainException"/> with <c>describe(position, id)</c> at the next call that reads back to the host.
    /// </summary>
    int EmbeddingLookup(Tensor ids, Tensor table, Tensor y, int count, int vocab, int dim, Func<int, float, string>? describe = null);

    /// <summary>
    /// dtable = (accumulate ? dtable : 0) + sum over i of dy[i, :] placed at row ids[i]; an id that is not an integer
    /// in [0, vocab) (one a deferred check will report) adds nothing.
    /// </summary>
    void EmbeddingBackward(Tensor ids, Tensor dy, Tensor dtable, int count, int vocab, int dim, bool accumulate);
}
