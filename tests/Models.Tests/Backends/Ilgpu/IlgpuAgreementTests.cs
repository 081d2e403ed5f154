// The CPU-agreement checks of every kernel, and the transfer contract, on ILGPU's CPU accelerator (always present) and on a CUDA GPU
// (skipped, and reported as skipped, on machines without one).
using Dtrain.Models.Backends.Ilgpu;

namespace Dtrain.Models.Tests.Backends.Ilgpu;

[Collection(IlgpuCollection.Name)]
public sealed class IlgpuCpuAgreementTests(IlgpuAccelerators accelerators)
    : BackendAgreementTests(new IlgpuBackend(accelerators.Cpu, ownsAccelerator: false), "ILGPU's CPU accelerator is always present");

[Trait("Category", "Gpu")]
[Collection(IlgpuCollection.Name)]
public sealed class CudaAgreementTests(IlgpuAccelerators accelerators)
    : BackendAgreementTests(
        accelerators.Cuda is { } cuda ? new IlgpuBackend(cuda, ownsAccelerator: false) : null,
        "no CUDA device: the ILGPU kernels were not run on a GPU on this machine");

[Collection(IlgpuCollection.Name)]
public sealed class IlgpuCpuTransferContractTests(IlgpuAccelerators accelerators)
    : TransferContractTests(new IlgpuBackend(accelerators.Cpu, ownsAccelerator: false), "ILGPU's CPU accelerator is always present");

[Trait("Category", "Gpu")]
[Collection(IlgpuCollection.Name)]
public sealed class CudaTransferContractTests(IlgpuAccelerators accelerators)
    : TransferContractTests(
        accelerators.Cuda is { } cuda ? new IlgpuBackend(cuda, ownsAccelerator: false) : null,
        "no CUDA device: page-locked transfers and CUDA event fences were not run on a GPU on this machine");
