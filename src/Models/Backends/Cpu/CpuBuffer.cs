// Host memory for the CPU backend: a pinned float array, so kernels can take pointers without pinning per call.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

/// <summary>A pinned, zero-filled float array owned by <see cref="CpuBackend"/>.</summary>
public sealed class CpuBuffer : IBuffer
{
    /// <summary>Allocates <paramref name="length"/> floats on the pinned object heap.</summary>
    public CpuBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Data = GC.AllocateArray<float>(length, pinned: true);
    }

    /// <summary>The floats themselves.</summary>
    public float[] Data { get; }

    /// <inheritdoc/>
    public int Length => Data.Length;

    /// <inheritdoc/>
    public void Dispose()
    {
        // Managed memory: the GC frees it once nothing refers to the buffer.
    }
}
