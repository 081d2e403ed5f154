// A block of float memory owned by a backend: host arrays for the CPU backend, device memory for GPUs.
namespace Dtrain.Models.Tensors;

/// <summary>
/// Memory allocated by an <see cref="Backends.IBackend"/>. Ops never touch it directly; they hand
/// <see cref="Tensor"/> views of it to the backend that owns it, so the memory can live on a device.
/// </summary>
public interface IBuffer : IDisposable
{
    /// <summary>Number of floats in the buffer.</summary>
    int Length { get; }
}
