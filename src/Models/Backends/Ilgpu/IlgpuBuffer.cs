// Device memory for the ILGPU backend: one dense float buffer on the accelerator that allocated it.
using Dtrain.Models.Tensors;
using ILGPU;
using ILGPU.Runtime;

namespace Dtrain.Models.Backends.Ilgpu;

/// <summary>A zero-filled block of floats in an accelerator's memory, owned by <see cref="IlgpuBackend"/>.</summary>
public sealed class IlgpuBuffer : IBuffer
{
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _memory;

    /// <summary>Allocates and zero-fills <paramref name="length"/> floats on <paramref name="accelerator"/>.</summary>
    public IlgpuBuffer(Accelerator accelerator, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);

        // An empty tensor still gets a one-float allocation: some runtimes refuse zero-byte buffers.
        _memory = accelerator.Allocate1D<float>(Math.Max(1, length));
        _memory.MemSetToZero();
        Length = length;
    }

    /// <inheritdoc/>
    public int Length { get; }

    /// <summary>The whole buffer as a kernel argument.</summary>
    public ArrayView<float> View => _memory.View;

    /// <inheritdoc/>
    public void Dispose() => _memory.Dispose();
}
