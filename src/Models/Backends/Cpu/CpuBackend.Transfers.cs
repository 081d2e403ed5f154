// Host traffic of the CPU backend: tensors already live in host memory, so every transfer is a copy that has
// landed when it returns.
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void Upload(ReadOnlySpan<float> source, Tensor target)
    {
        CheckLength(source.Length, target.Length, nameof(Upload));
        source.CopyTo(Span(target));
    }

    /// <inheritdoc/>
    public void Download(Tensor source, Span<float> target)
    {
        CheckLength(source.Length, target.Length, nameof(Download));
        Span(source).CopyTo(target);
    }

    /// <inheritdoc/>
    public HostBuffer AllocateHost(int length) => new ArrayHostBuffer(length);

    /// <inheritdoc/>
    public void DownloadAsync(Tensor source, HostBuffer target, int offset)
    {
        // Host memory already: the copy is done before this returns, so every fence has passed.
        target.CheckFits(offset, source.Length, nameof(DownloadAsync));
        Span(source).CopyTo(target.Array.AsSpan(offset, source.Length));
    }

    /// <inheritdoc/>
    public DeviceFence Fence() => DeviceFence.Passed;
}
