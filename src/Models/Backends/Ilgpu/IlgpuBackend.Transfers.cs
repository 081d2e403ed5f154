// Host traffic through page-locked memory: uploads stage through a page-locked ring and return without waiting,
// gradient downloads land in the caller's page-locked payload, and fences (CUDA events) say when they have.
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    // Uploads copy the caller's floats into this ring and queue the device copy from it. A region is reused only
    // after the stream has been synchronized, which happens when the ring wraps or a host read waits anyway.
    private PageLockedArray1D<float>? _staging;
    private int _stagingUsed;

    /// <inheritdoc/>
    public void Upload(ReadOnlySpan<float> source, Tensor target)
    {
        CheckLength(source.Length, target.Length, nameof(Upload));
        if (source.Length == 0)
        {
            return;
        }

        var at = Stage(source.Length);
        source.CopyTo(_staging!.Span.Slice(at, source.Length));
        ArrayView1D<float, Stride1D.Dense> staged = _staging.ArrayView.SubView(at, source.Length);
        staged.CopyTo(_accelerator.DefaultStream, Dense(target));
    }

    /// <inheritdoc/>
    public void Download(Tensor source, Span<float> target)
    {
        CheckLength(source.Length, target.Length, nameof(Download));
        if (source.Length > 0)
        {
            Dense(source).CopyToCPU(_accelerator.DefaultStream, target);
        }

        Synchronize();
    }

    /// <inheritdoc/>
    public HostBuffer AllocateHost(int length) => new PageLockedHostBuffer(_accelerator, length);

    /// <inheritdoc/>
    public void DownloadAsync(Tensor source, HostBuffer target, int offset)
    {
        var host = target as PageLockedHostBuffer
            ?? throw new ArgumentException($"{nameof(DownloadAsync)}: a {target.GetType().Name} was given to the ILGPU backend; allocate it with {nameof(AllocateHost)}");
        host.CheckFits(offset, source.Length, nameof(DownloadAsync));
        if (source.Length > 0)
        {
            Dense(source).CopyTo(_accelerator.DefaultStream, host.View(offset, source.Length));
        }
    }

    /// <inheritdoc/>
    public DeviceFence Fence() => _accelerator is CudaAccelerator
        ? new CudaEventFence(this)
        : new StreamFence(this);

    /// <summary>Waits for every queued kernel and copy, then reports a data error a kernel recorded.</summary>
    private void Synchronize()
    {
        _accelerator.DefaultStream.Synchronize();
        _stagingUsed = 0;
        ThrowRecordedFault();
    }

    /// <summary>Start of a region of <paramref name="length"/> floats of the upload ring that no queued copy still reads.</summary>
    private int Stage(int length)
    {
        if (_staging is null || _stagingUsed + length > _staging.Length)
        {
            // The copies queued from the ring must land before it is written again.
            _accelerator.DefaultStream.Synchronize();
            _stagingUsed = 0;
            if (_staging is null || length > _staging.Length)
            {
                // Room for two of the largest upload so far: a step's batch and labels, or a pull's chunks, fit
                // between waits.
                var capacity = Math.Max(1 << 16, Math.Max(2L * length, 2 * (_staging?.Length ?? 0)));
                _staging?.Dispose();
                _staging = _accelerator.AllocatePageLocked1D<float>((int)Math.Min(capacity, Array.MaxLength), uninitialized: true);
            }
        }

        var at = _stagingUsed;
        _stagingUsed += length;
        return at;
    }

    /// <summary>Page-locked host floats: the device's DMA engine copies into them while the host goes on.</summary>
    private sealed class PageLockedHostBuffer(Accelerator accelerator, int length) : HostBuffer
    {
        private readonly PageLockedArray1D<float> _array = accelerator.AllocatePageLocked1D<float>(Math.Max(1, length), uninitialized: true);

        public override float[] Array => _array.GetArray();

        public override int Length => length;

        public ArrayView1D<float, Stride1D.Dense> View(int offset, int count) => _array.ArrayView.SubView(offset, count);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _array.Dispose();
            }
        }
    }

    /// <summary>A CUDA event recorded on the stream: queried without blocking, waited on without draining later work.</summary>
    private sealed class CudaEventFence : DeviceFence
    {
        private readonly IlgpuBackend _backend;
        private IntPtr _event;

        public CudaEventFence(IlgpuBackend backend)
        {
            _backend = backend;
            using var binding = backend._accelerator.BindScoped();
            CudaException.ThrowIfFailed(CudaAPI.CurrentAPI.CreateEvent(out _event, CudaEventFlags.CU_EVENT_DISABLE_TIMING));
            var stream = (CudaStream)backend._accelerator.DefaultStream;
            CudaException.ThrowIfFailed(CudaAPI.CurrentAPI.RecordEvent(_event, stream.StreamPtr));
        }

        public override bool IsComplete
        {
            get
            {
                if (_event == IntPtr.Zero)
                {
                    return true;
                }

                using var binding = _backend._accelerator.BindScoped();
                var status = CudaAPI.CurrentAPI.QueryEvent(_event);
                if (status == CudaError.CUDA_ERROR_NOT_READY)
                {
                    return false;
                }

                CudaException.ThrowIfFailed(status);
                Release();
                return true;
            }
        }

        public override void Wait()
        {
            if (_event != IntPtr.Zero)
            {
                using var binding = _backend._accelerator.BindScoped();
                CudaException.ThrowIfFailed(CudaAPI.CurrentAPI.SynchronizeEvent(_event));
                Release();
            }

            _backend.ThrowRecordedFault();
        }

        private void Release()
        {
            CudaException.ThrowIfFailed(CudaAPI.CurrentAPI.DestroyEvent(_event));
            _event = IntPtr.Zero;
        }
    }

    /// <summary>
    /// Accelerators without events here (OpenCL, ILGPU's CPU accelerator): the fence reports completion only once
    /// waited on, and waiting synchronizes the whole stream.
    /// </summary>
    private sealed class StreamFence(IlgpuBackend backend) : DeviceFence
    {
        private bool _passed;

        public override bool IsComplete => _passed;

        public override void Wait()
        {
            backend.Synchronize();
            _passed = true;
        }
    }
}
