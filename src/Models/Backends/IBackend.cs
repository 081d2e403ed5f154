// The one small interface every compute backend implements: memory here, and in IBackend.<Topic>.cs the kernels
// of each op family (Activations, Convolution, Pooling, Losses, ...), named like the backends' partial files.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

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

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    void Fill(Tensor target, float value);

    /// <summary>target += source (gradient accumulation).</summary>
    void Accumulate(Tensor source, Tensor target);
}
