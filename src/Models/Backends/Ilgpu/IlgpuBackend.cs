// The ILGPU backend: every kernel of IBackend as an ILGPU kernel on one accelerator (CUDA, OpenCL or ILGPU's
// CPU accelerator), launched asynchronously on its default stream; only transfers wait for the device.
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;
using ILGPU;
using ILGPU.Runtime;

namespace Dtrain.Models.Backends.Ilgpu;

/// <summary>
/// Runs the kernels on an ILGPU <see cref="Accelerator"/>. Values stay in device memory between ops: a step
/// crosses to the host only in <see cref="Upload"/>, <see cref="Download"/>, <see cref="DownloadAsync"/>'s fences and
/// <see cref="CountCorrect"/>. Checks that need the data (class labels, binary targets, embedding ids) are
/// recorded on the device and reported as a <see cref="DtrainException"/> at the next of those crossings.
/// </summary>
public sealed partial class IlgpuBackend : IBackend
{
    private readonly Accelerator _accelerator;
    private readonly Context? _ownedContext;
    private readonly bool _ownsAccelerator;
    private readonly IlgpuBuffer _dummy;
    private IlgpuBuffer _scratch;

    /// <summary>
    /// Creates a backend on <paramref name="accelerator"/>. With <paramref name="ownsAccelerator"/> the backend
    /// disposes it (and <paramref name="ownedContext"/>, when given) with itself; tests share one instead.
    /// </summary>
    public IlgpuBackend(Accelerator accelerator, bool ownsAccelerator = true, Context? ownedContext = null)
    {
        _accelerator = accelerator;
        _ownsAccelerator = ownsAccelerator;
        _ownedContext = ownedContext;
        Tile = GemmTileFor(accelerator.MaxNumThreadsPerGroup);
        ReductionGroup = ReductionGroupFor(accelerator.MaxNumThreadsPerGroup);
        _dummy = new IlgpuBuffer(accelerator, 1);
        _scratch = new IlgpuBuffer(accelerator, 1024);
        _faults = accelerator.Allocate1D<long>(FaultSlots);
        _counter = accelerator.Allocate1D<int>(1);
        _embeddingBad = accelerator.Allocate1D<long>(1);
        ClearFaults();
    }

    /// <inheritdoc/>
    public string Name => $"ilgpu {_accelerator.AcceleratorType.ToString().ToLowerInvariant()} ({_accelerator.Name})";

    /// <summary>The accelerator the kernels run on.</summary>
    public Accelerator Accelerator => _accelerator;

    /// <summary>Side of the thread group of the tiled GEMM (16 on GPUs; smaller where groups are small).</summary>
    internal int Tile { get; }

    /// <summary>Threads of a group that reduces one segment (a channel, a whole tensor) through shared memory.</summary>
    internal int ReductionGroup { get; }

    /// <inheritdoc/>
    public IBuffer Allocate(int length) => new IlgpuBuffer(_accelerator, length);

    /// <inheritdoc/>
    public void Fill(Tensor target, float value) => Run(target.Length, IlgpuKernels.Fill, V(target), value);

    /// <inheritdoc/>
    public void Accumulate(Tensor source, Tensor target)
    {
        CheckLength(source.Length, target.Length, nameof(Accumulate));
        Run(target.Length, IlgpuKernels.Axpy, V(source), V(target), 1f, 1);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _dummy.Dispose();
        _scratch.Dispose();
        _staging?.Dispose();
        _faults.Dispose();
        _counter.Dispose();
        _embeddingBad.Dispose();
        foreach (var table in _permuteTables.Values)
        {
            table.Dispose();
        }

        if (_ownsAccelerator)
        {
            _accelerator.Dispose();
            _ownedContext?.Dispose();
        }
    }

    /// <summary>The largest power-of-two side s &lt;= 16 with s * s threads allowed in a group.</summary>
    internal static int GemmTileFor(int maxThreadsPerGroup)
    {
        var side = 16;
        while (side > 1 && side * side > maxThreadsPerGroup)
        {
            side /= 2;
        }

        return side;
    }

    private static int ReductionGroupFor(int maxThreadsPerGroup)
    {
        var size = 256;
        while (size > 1 && size > maxThreadsPerGroup)
        {
            size /= 2;
        }

        return size;
    }

    /// <summary>A tensor as a kernel argument: its run of floats inside its buffer.</summary>
    private static ArrayView<float> V(Tensor t) => Buffer(t).View.SubView(t.Offset, t.Length);

    /// <summary>An optional tensor as a kernel argument; kernels told it is absent never touch the placeholder.</summary>
    private ArrayView<float> V(Tensor? t) => t is { } tensor ? V(tensor) : _dummy.View;

    private static ArrayView1D<float, Stride1D.Dense> Dense(Tensor t) => V(t);

    private static IlgpuBuffer Buffer(Tensor t) =>
        t.Buffer as IlgpuBuffer ?? throw new ArgumentException($"a tensor of {t.Buffer.GetType().Name} was given to the ILGPU backend");

    /// <summary>Backend-owned device scratch of at least <paramref name="length"/> floats, valid until the next call that asks for scratch.</summary>
    private ArrayView<float> Scratch(int length)
    {
        if (_scratch.Length < length)
        {
            _scratch.Dispose();
            _scratch = new IlgpuBuffer(_accelerator, Math.Max(length, 2 * _scratch.Length));
        }

        return _scratch.View.SubView(0, Math.Max(1, length));
    }

    private static int Flag(bool value) => value ? 1 : 0;
}
