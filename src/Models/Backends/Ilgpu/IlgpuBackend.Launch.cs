// Kernel loading and launching for the ILGPU backend: each kernel is compiled once per accelerator, on first use.
using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <summary>
    /// Loaded kernels per accelerator, shared by every backend on it: compiling is the expensive part (tens of
    /// milliseconds per kernel for PTX, more on the CPU accelerator), so a worker pays it once, at its first step.
    /// </summary>
    private static readonly ConditionalWeakTable<Accelerator, ConcurrentDictionary<MethodInfo, Delegate>> Loaded = [];

    private ConcurrentDictionary<MethodInfo, Delegate> Kernels => Loaded.GetValue(_accelerator, _ => new());

    // One-dimensional launches: ILGPU picks the group size, the index is the element.
    private void Run<T1>(int n, Action<Index1D, T1> kernel, T1 a1)
        where T1 : struct
    {
        if (n > 0)
        {
            ((Action<Index1D, T1>)Kernels.GetOrAdd(kernel.Method, _ => _accelerator.LoadAutoGroupedStreamKernel(kernel)))(n, a1);
        }
    }

    private void Run<T1, T2>(int n, Action<Index1D, T1, T2> kernel, T1 a1, T2 a2)
        where T1 : struct
        where T2 : struct
    {
        if (n > 0)
        {
            ((Action<Index1D, T1, T2>)Kernels.GetOrAdd(kernel.Method, _ => _accelerator.LoadAutoGroupedStreamKernel(kernel)))(n, a1, a2);
        }
    }

    private void Run<T1, T2, T3>(int n, Action<Index1D, T1, T2, T3> kernel, T1 a1, T2 a2, T3 a3)
        where T1 : struct
        where T2 : struct
        where T3 : struct
    {
        if (n > 0)
        {
            ((Action<Index1D, T1, T2, T3>)Kernels.GetOrAdd(kernel.Method, _ => _accelerator.LoadAutoGroupedStreamKernel(kernel)))(n, a1, a2, a3);
        }
    }

    private void Run<T1, T2, T3, T4>(int n, Action<Index1D, T1, T2, T3, T4> kernel, T1 a1, T2 a2, T3 a3, T4 a4)
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
    {
        if (n > 0)
        {
            ((Action<Index1D, T1, T2, T3, T4>)Kernels.GetOrAdd(kernel.Method, _ => _accelerator.LoadAutoGroupedStreamKernel(kernel)))(n, a1, a2, a3, a4);
        }
    }

    private void Run<T1, T2, T3, T4, T5>(int n, Action<Index1D, T1, T2, T3, T4, T5> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5)
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
        where T5 : struct
    {
        if (n > 0)
        {
            ((Action<Index1D, T1, T2, T3, T4, T5>)Kernels.GetOrAdd(kernel.Method, _ => _accelerator.LoadAutoGroupedStreamKernel(kernel)))(n, a1, a2, a3, a4, a5);
        }
    }

    private void Run<T1, T2, T3, T4, T5, T6>(int n, Action<Index1D, T1, T2, T3, T4, T5, T6> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6)
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
        where T5 : struct
        where T6 : struct
    {
        if (n > 0)
        {
            ((Action<Index1D, T1, T2, T3, T4, T5, T6>)Kernels.GetOrAdd(kernel.Method, _ => _accelerator.LoadAutoGroupedStreamKernel(kernel)))(n, a1, a2, a3, a4, a5, a6);
        }
    }

    private void Run<T1, T2, T3, T4, T5, T6, T7>(int n, Action<Index1D, T1, T2, T3, T4, T5, T6, T7> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7)
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
        where T5 : struct
        where T6 : struct
        where T7 : struct
    {
        if (n > 0)
        {
            ((Action<Index1D, T1, T2, T3, T4, T5, T6, T7>)Kernels.GetOrAdd(kernel.Method, _ => _accelerator.LoadAutoGroupedStreamKernel(kernel)))(n, a1, a2, a3, a4, a5, a6, a7);
        }
    }

    private void Run<T1, T2, T3, T4, T5, T6, T7, T8>(int n, Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8)
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
        where T5 : struct
        where T6 : struct
        where T7 : struct
        where T8 : struct
    {
        if (n > 0)
        {
            ((Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8>)Kernels.GetOrAdd(kernel.Method, _ => _accelerator.LoadAutoGroupedStreamKernel(kernel)))(n, a1, a2, a3, a4, a5, a6, a7, a8);
        }
    }

    private void Run<T1, T2, T3, T4, T5, T6, T7, T8, T9>(int n, Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9)
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
        where T5 : struct
        where T6 : struct
        where T7 : struct
        where T8 : struct
        where T9 : struct
    {
        if (n > 0)
        {
            ((Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9>)Kernels.GetOrAdd(kernel.Method, _ => _accelerator.LoadAutoGroupedStreamKernel(kernel)))(n, a1, a2, a3, a4, a5, a6, a7, a8, a9);
        }
    }

    // Explicitly grouped launches (shared memory, barriers): the caller sizes the grid and the group.
    private void RunGrouped<T1, T2, T3, T4, T5>(KernelConfig config, Action<T1, T2, T3, T4, T5> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5)
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
        where T5 : struct
    {
        if (config.GridDim.Size > 0)
        {
            ((Action<KernelConfig, T1, T2, T3, T4, T5>)Kernels.GetOrAdd(kernel.Method, _ => _accelerator.LoadStreamKernel(kernel)))(config, a1, a2, a3, a4, a5);
        }
    }
}
