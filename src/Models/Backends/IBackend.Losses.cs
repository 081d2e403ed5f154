// Kernel of the binary cross-entropy loss on logits.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

public partial interface IBackend
{
    /// <summary>
    /// Mean over <paramref name="count"/> elements of the binary cross-entropy of sigmoid(z) against targets y
    /// in [0, 1], computed from the logits z as max(z, 0) - z y + log(1 + e^-|z|) so no exp overflows. Writes
    /// the loss and, when given, d(loss)/dz = (sigmoid(z) - y) / count and d(loss)/dy = -z / count (each added
    /// when its accumulate flag is set). Throws <see cref="DtrainException"/> for a target outside [0, 1]
    /// (a device backend at the next call that reads back to the host).
    /// </summary>
    void BinaryCrossEntropyWithLogits(Tensor logits, Tensor targets, int count, Tensor loss, Tensor? dlogits, bool accumulateLogits, Tensor? dtargets, bool accumulateTargets);
}
