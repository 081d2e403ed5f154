// Which backend a worker computes on, from a --device value: the CPU SIMD backend, or the ILGPU backend on a
// CUDA or OpenCL GPU (or ILGPU's CPU accelerator), checked once up front so a bad choice fails before training.
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Backends.Ilgpu;

namespace Dtrain.Models.Backends;

/// <summary>
/// A chosen device: <see cref="Create"/> makes one backend per worker. A GPU kind without an index spreads
/// successive workers over all devices of that kind, so a node with G GPUs runs G workers one per GPU.
/// </summary>
/// <param name="Name">What runs the math, for the run's banner, e.g. <c>ilgpu cuda (NVIDIA H100) x2</c>.</param>
/// <param name="Create">Makes a worker's backend.</param>
public sealed record DeviceSelection(string Name, Func<IBackend> Create)
{
    /// <summary>The values <see cref="Parse"/> accepts, for messages and usage text.</summary>
    public const string Choices = "auto, cpu, cuda, cuda:N, opencl, opencl:N, ilgpu-cpu";

    /// <summary>
    /// Resolves <paramref name="device"/>: <c>cpu</c> is the SIMD backend with <paramref name="threads"/> GEMM
    /// threads; <c>cuda</c>/<c>opencl</c> (optionally <c>:N</c>) the ILGPU backend on those GPUs; <c>ilgpu-cpu</c>
    /// the ILGPU backend on ILGPU's CPU accelerator (slow; for checking the kernels); <c>auto</c> CUDA when a
    /// usable device is found, else <c>cpu</c>. A requested device that is missing, or whose kernels fail to
    /// compile, is a <see cref="DtrainException"/> naming it.
    /// </summary>
    public static DeviceSelection Parse(string device, int threads)
    {
        var value = device.Trim().ToLowerInvariant();
        var (kind, index) = value.Split(':', 2) switch
        {
            ["cpu"] => ((IlgpuDeviceKind?)null, (int?)null),
            ["auto"] => (null, null),
            ["ilgpu-cpu"] => (IlgpuDeviceKind.Cpu, 0),
            ["cuda"] => (IlgpuDeviceKind.Cuda, null),
            ["opencl"] => (IlgpuDeviceKind.OpenCL, null),
            ["cuda", var n] when int.TryParse(n, out var i) && i >= 0 => (IlgpuDeviceKind.Cuda, i),
            ["opencl", var n] when int.TryParse(n, out var i) && i >= 0 => (IlgpuDeviceKind.OpenCL, i),
            _ => throw new DtrainException($"--device '{device}' is not known; known: {Choices}"),
        };
        if (value == "auto")
        {
            try
            {
                return GpuCount() > 0 ? Ilgpu(IlgpuDeviceKind.Cuda, null) : Cpu(threads);
            }
            catch (DtrainException)
            {
                return Cpu(threads);
            }
        }

        return kind is { } k ? Ilgpu(k, index) : Cpu(threads);
    }

    /// <summary>How many CUDA GPUs this machine has: how many workers a node could give one GPU each.</summary>
    public static int GpuCount() => IlgpuDevices.Count(IlgpuDeviceKind.Cuda);

    private static DeviceSelection Cpu(int threads)
    {
        var name = new CpuBackend(threads).Name;
        return new DeviceSelection(name, () => new CpuBackend(threads));
    }

    private static DeviceSelection Ilgpu(IlgpuDeviceKind kind, int? index)
    {
        var count = index is null ? IlgpuDevices.Count(kind) : index.Value + 1;
        if (count == 0)
        {
            throw new DtrainException($"device {kind.ToString().ToLowerInvariant()} not found: no {kind} device on this machine (is its driver installed?)");
        }

        var indices = index is { } i ? [i] : Enumerable.Range(0, count).ToArray();
        var name = string.Empty;
        foreach (var at in indices)
        {
            name = Probe(kind, at);
        }

        var next = -1;
        return new DeviceSelection(
            indices.Length > 1 ? $"{name} x{indices.Length}" : name,
            () => IlgpuDevices.Open(kind, indices[(int)((uint)Interlocked.Increment(ref next) % (uint)indices.Length)]));
    }

    /// <summary>Opens the device and runs a GEMM, a loss and a reduction on it, so a kernel that cannot compile there fails now.</summary>
    private static string Probe(IlgpuDeviceKind kind, int index)
    {
        var described = IlgpuDevices.Describe(kind, index);
        try
        {
            using var backend = IlgpuDevices.Open(kind, index);
            var a = new Tensors.Tensor(backend.Allocate(4), 0, 4);
            var loss = new Tensors.Tensor(backend.Allocate(1), 0, 1);
            backend.Upload([1f, 0f, 0f, 1f], a);
            backend.Gemm(false, false, 2, 2, 2, 1f, a, a, 0f, a);
            backend.SumOfSquares(a, loss, accumulate: false);
            var result = new float[1];
            backend.Download(loss, result);
            if (result[0] != 2f)
            {
                throw new InvalidOperationException($"a 2 x 2 identity product gave a sum of squares of {result[0]}, not 2");
            }

            return backend.Name;
        }
        catch (DtrainException)
        {
            throw;
        }
        catch (Exception e)
        {
            throw new DtrainException($"device {described}: its kernels failed to compile or run ({e.GetType().Name}: {e.Message})", e);
        }
    }
}
