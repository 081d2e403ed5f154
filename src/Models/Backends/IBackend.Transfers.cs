// Copies between host and device: plain uploads and downloads, and transfers that do not wait for the device:
// gradients copied into host memory the device writes directly (page-locked on a GPU), a fence saying when they
// have landed. A worker pushes one shard's gradients this way while the device still runs the rest of backward.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

public partial interface IBackend
{
    /// <summary>
    /// Allocates <paramref name="length"/> host floats the device copies to and from without staging: page-locked
    /// memory on a GPU, an ordinary array on the CPU. Dispose it before the backend.
    /// </summary>
    HostBuffer AllocateHost(int length);

    /// <summary>
    /// Queues a copy of <paramref name="source"/> into <paramref name="target"/> at <paramref name="offset"/>, after
    /// the work queued before it. It has landed once a <see cref="Fence"/> taken after it is complete.
    /// </summary>
    void DownloadAsync(Tensor source, HostBuffer target, int offset);

    /// <summary>A marker behind every kernel and copy queued so far.</summary>
    DeviceFence Fence();

    /// <summary>Copies host floats into a tensor (same length).</summary>
    void Upload(ReadOnlySpan<float> source, Tensor target);

    /// <summary>Copies a tensor into host floats (same length).</summary>
    void Download(Tensor source, Span<float> target);
}

/// <summary>Host floats a backend can copy into asynchronously; see <see cref="IBackend.AllocateHost"/>.</summary>
public abstract class HostBuffer : IDisposable
{
    /// <summary>The floats: a pinned array on a GPU backend, so the array never moves while the device writes it.</summary>
    public abstract float[] Array { get; }

    /// <summary>Number of floats asked for (the array may be longer).</summary>
    public abstract int Length { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Throws when <paramref name="count"/> floats at <paramref name="offset"/> do not fit, naming the operation.</summary>
    public void CheckFits(int offset, int count, string operation)
    {
        if (offset < 0 || count < 0 || (long)offset + count > Length)
        {
            throw new ArgumentException($"{operation}: {count} floats at offset {offset} do not fit a host buffer of {Length}");
        }
    }

    /// <summary>Releases the page lock, if any.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}

/// <summary>An ordinary array: what the CPU backends hand out, where every copy completes before it returns.</summary>
public sealed class ArrayHostBuffer(int length) : HostBuffer
{
    private readonly float[] _array = GC.AllocateUninitializedArray<float>(Math.Max(1, length));

    /// <inheritdoc/>
    public override float[] Array => _array;

    /// <inheritdoc/>
    public override int Length => length;
}

/// <summary>A point in a backend's queue of work; see <see cref="IBackend.Fence"/>.</summary>
public abstract class DeviceFence
{
    /// <summary>A fence already passed: backends whose copies finish before they return hand out this one.</summary>
    public static readonly DeviceFence Passed = new PassedFence();

    /// <summary>True once all work before the fence has finished; never blocks.</summary>
    public abstract bool IsComplete { get; }

    /// <summary>Blocks until all work before the fence has finished, and reports a data error a kernel recorded.</summary>
    public abstract void Wait();

    private sealed class PassedFence : DeviceFence
    {
        public override bool IsComplete => true;

        public override void Wait()
        {
        }
    }
}
