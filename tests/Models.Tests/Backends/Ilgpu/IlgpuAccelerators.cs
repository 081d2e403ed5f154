// One ILGPU CPU accelerator for every ILGPU test class, and a CUDA one where a GPU exists: kernels compile once
// per accelerator, so sharing it keeps the suite's compile time to one pass over the kernels.
using Dtrain.Models.Backends.Ilgpu;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Dtrain.Models.Tests.Backends.Ilgpu;

/// <summary>The shared accelerators; each test makes its own <see cref="IlgpuBackend"/> over one that it does not dispose.</summary>
public sealed class IlgpuAccelerators : IDisposable
{
    private readonly Context _cpuContext;
    private readonly Context? _cudaContext;

    public IlgpuAccelerators()
    {
        _cpuContext = IlgpuDevices.CreateContext(IlgpuDeviceKind.Cpu);
        Cpu = _cpuContext.CreateCPUAccelerator(0);
        if (IlgpuDevices.Count(IlgpuDeviceKind.Cuda) > 0)
        {
            _cudaContext = IlgpuDevices.CreateContext(IlgpuDeviceKind.Cuda);
            Cuda = _cudaContext.CreateCudaAccelerator(0);
        }
    }

    /// <summary>ILGPU's CPU accelerator.</summary>
    public Accelerator Cpu { get; }

    /// <summary>The first CUDA GPU, or null on a machine without one.</summary>
    public Accelerator? Cuda { get; }

    public void Dispose()
    {
        Cuda?.Dispose();
        _cudaContext?.Dispose();
        Cpu.Dispose();
        _cpuContext.Dispose();
    }
}

/// <summary>The xunit collection that shares <see cref="IlgpuAccelerators"/> (its classes run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class IlgpuCollection : ICollectionFixture<IlgpuAccelerators>
{
    public const string Name = "ILGPU accelerators";
}

/// <summary>The shared kernel contract (BackendKernelTests) on ILGPU's CPU accelerator.</summary>
[Collection(IlgpuCollection.Name)]
public sealed class IlgpuCpuBackendKernelTests(IlgpuAccelerators accelerators)
    : BackendKernelTests(new IlgpuBackend(accelerators.Cpu, ownsAccelerator: false));

/// <summary>The atomic-op kernel contract on ILGPU's CPU accelerator.</summary>
[Collection(IlgpuCollection.Name)]
public sealed class IlgpuCpuAtomicKernelTests(IlgpuAccelerators accelerators)
    : AtomicKernelTests(new IlgpuBackend(accelerators.Cpu, ownsAccelerator: false));

/// <summary>The layer kernel contract on ILGPU's CPU accelerator.</summary>
[Collection(IlgpuCollection.Name)]
public sealed class IlgpuCpuLayerKernelTests(IlgpuAccelerators accelerators)
    : LayerKernelTests(new IlgpuBackend(accelerators.Cpu, ownsAccelerator: false));
