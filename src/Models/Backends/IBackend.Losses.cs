// Kernels of the losses (softmax cross-entropy, mean squared error, binary cross-entropy on logits) and of
// accuracy counting.
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

    /// <summary>
    /// Mean softmax cross-entropy of (rows x classes) logits against class ids stored as floats.
    /// Writes the mean loss into <paramref name="loss"/> (one element) and, when <paramref name="dlogits"/>
    /// is given, d(loss)/d(logits) into it (added to what is there when <paramref name="accumulate"/>).
    /// A label that is not a class id is a <see cref="DtrainException"/> naming the row, thrown by this call or,
    /// on a device backend that does not wait for its kernels, by the next call that reads back to the host.
    /// </summary>
    void SoftmaxCrossEntropy(Tensor logits, Tensor labels, int rows, int classes, Tensor loss, Tensor? dlogits, bool accumulate);

    /// <summary>
    /// Mean over all elements of (prediction - target)^2; writes the loss and, when
    /// <paramref name="dprediction"/> is given, its gradient (added when <paramref name="accumulate"/>).
    /// </summary>
    void MeanSquaredError(Tensor prediction, Tensor target, int count, Tensor loss, Tensor? dprediction, bool accumulate);

    /// <summary>How many rows of (rows x classes) scores have their largest score at the labelled class.</summary>
    int CountCorrect(Tensor scores, Tensor labels, int rows, int classes);
}
