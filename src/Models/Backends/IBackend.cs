// The one small interface every compute backend implements: memory, transfers and the kernels ops use.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

/// <summary>Pointwise functions the backends implement forward and backward.</summary>
public enum Activation
{
    /// <summary>max(0, x).</summary>
    Relu,

    /// <summary>1 / (1 + e^-x).</summary>
    Sigmoid,

    /// <summary>tanh(x).</summary>
    Tanh,
}

/// <summary>
/// A compute device. Tensors are views of buffers it allocated, so a GPU backend keeps every value of a
/// step in device memory; only <see cref="Upload"/> and <see cref="Download"/> cross to the host.
/// All matrices are row-major; a batched tensor of per-example size n is a (batch x n) matrix.
/// </summary>
public partial interface IBackend : IDisposable
{
    /// <summary>What runs the math, e.g. <c>cpu avx512 x2</c>.</summary>
    string Name { get; }

    /// <summary>Allocates a zero-filled buffer of <paramref name="length"/> floats.</summary>
    IBuffer Allocate(int length);

    /// <summary>Copies host floats into a tensor (same length).</summary>
    void Upload(ReadOnlySpan<float> source, Tensor target);

    /// <summary>Copies a tensor into host floats (same length).</summary>
    void Download(Tensor source, Span<float> target);

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    void Fill(Tensor target, float value);

    /// <summary>target += source (gradient accumulation).</summary>
    void Accumulate(Tensor source, Tensor target);

    /// <summary>C = alpha * op(A) * op(B) + beta * C with op(A): m x k, op(B): k x n.</summary>
    void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    /// <summary>x[r, c] += bias[c] for a (rows x cols) matrix, in place.</summary>
    void AddBias(Tensor x, Tensor bias, int rows, int cols);

    /// <summary>dst[c] = (accumulate ? dst[c] : 0) + sum over rows of x[r, c]: the bias gradient.</summary>
    void SumRows(Tensor x, Tensor dst, int rows, int cols, bool accumulate);

    /// <summary>y = f(x) elementwise.</summary>
    void Activate(Activation f, Tensor x, Tensor y);

    /// <summary>dx = (accumulate ? dx : 0) + dy * f'(x), using y = f(x) where that is cheaper.</summary>
    void ActivateBackward(Activation f, Tensor x, Tensor y, Tensor dy, Tensor dx, bool accumulate);

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
