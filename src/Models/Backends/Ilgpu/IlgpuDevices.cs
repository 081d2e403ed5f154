// Finding and opening ILGPU accelerators: CUDA and OpenCL GPUs, and ILGPU's CPU accelerator that runs the same
// kernels on host threads (how the kernels are tested on machines without a GPU).
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace Dtrain.Models.Backends.Ilgpu;

/// <summary>The kinds of accelerator the ILGPU backend can run on.</summary>
public enum IlgpuDeviceKind
{
    /// <summary>ILGPU's CPU accelerator: every kernel on host threads, for tests and debugging.</summary>
    Cpu,

    /// <summary>An NVIDIA GPU through CUDA.</summary>
    Cuda,

    /// <summary>A GPU through OpenCL.</summary>
    OpenCL,
}

/// <summary>Counts and opens accelerators of each kind.</summary>
public static class IlgpuDevices
{
    /// <summary>How many devices of <paramref name="kind"/> this machine has (0 when its driver is missing).</summary>
    public static int Count(IlgpuDeviceKind kind)
    {
        try
        {
            using var context = CreateContext(kind);
            return Devices(context, kind).Count;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or InvalidOperationException or NotSupportedException)
        {
            return 0;
        }
    }

    /// <summary>The names of the devices of <paramref name="kind"/>, in index order.</summary>
    public static IReadOnlyList<string> Names(IlgpuDeviceKind kind)
    {
        using var context = CreateContext(kind);
        return Devices(context, kind).Select(d => d.Name).ToList();
    }

    /// <summary>
    /// Opens device <paramref name="index"/> of <paramref name="kind"/> in a context of its own, which the backend
    /// owns and disposes. Throws <see cref="DtrainException"/> naming the device when there is no such device.
    /// </summary>
    public static IlgpuBackend Open(IlgpuDeviceKind kind, int index = 0)
    {
        var context = CreateContext(kind);
        try
        {
            var devices = Devices(context, kind);
            if (index < 0 || index >= devices.Count)
            {
                throw new DtrainException($"device {Describe(kind, index)} not found: this machine has {devices.Count} {kind} device(s)");
            }

            return new IlgpuBackend(devices[index].CreateAccelerator(context), ownsAccelerator: true, ownedContext: context);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>A context that knows the devices of <paramref name="kind"/>, with ILGPU.Algorithms' math (XMath) enabled.</summary>
    public static Context CreateContext(IlgpuDeviceKind kind) => Context.Create(builder =>
    {
        _ = kind switch
        {
            IlgpuDeviceKind.Cpu => builder.CPU(),
            IlgpuDeviceKind.Cuda => builder.Cuda(),
            _ => builder.OpenCL(),
        };
        builder.EnableAlgorithms();
    });

    /// <summary>How a device is named on the command line, e.g. <c>cuda:1</c>.</summary>
    public static string Describe(IlgpuDeviceKind kind, int index) => kind switch
    {
        IlgpuDeviceKind.Cpu => "ilgpu-cpu",
        IlgpuDeviceKind.Cuda => $"cuda:{index}",
        _ => $"opencl:{index}",
    };

    private static IReadOnlyList<Device> Devices(Context context, IlgpuDeviceKind kind) => kind switch
    {
        IlgpuDeviceKind.Cpu => [context.GetCPUDevice(0)],
        IlgpuDeviceKind.Cuda => [.. context.GetCudaDevices()],
        _ => [.. context.GetCLDevices()],
    };
}
