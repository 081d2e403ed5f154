// Per-thread scratch for packed A blocks and B panels, kept between GEMM calls so the hot path
// allocates nothing once a thread has seen its largest problem.
using System.Runtime.InteropServices;

namespace Dtrain.Models.Backends.Cpu;

/// <summary>
/// Two native, 64-byte aligned float buffers owned by one thread: cache-line alignment lets the
/// kernels' vector loads of packed slivers never straddle lines. The finalizer frees them once the
/// owning thread has died and the object is unreachable.
/// </summary>
internal sealed unsafe class PackingBuffers
{
    private const nuint Alignment = 64;

    [ThreadStatic]
    private static PackingBuffers? t_mine;

    private long _aFloats;
    private long _bFloats;

    private PackingBuffers() { }

    /// <summary>Packed A block, at least as many floats as the last <see cref="Reserve"/> asked for.</summary>
    public float* A { get; private set; }

    /// <summary>Packed B panel, at least as many floats as the last <see cref="Reserve"/> asked for.</summary>
    public float* B { get; private set; }

    /// <summary>The calling thread's buffers, created on first use.</summary>
    public static PackingBuffers Mine => t_mine ??= new PackingBuffers();

    /// <summary>Grows the buffers to hold <paramref name="aFloats"/> and <paramref name="bFloats"/>; never shrinks.</summary>
    public void Reserve(long aFloats, long bFloats)
    {
        if (aFloats > _aFloats)
        {
            // Forget the old size first: if the allocation throws, the next call must try again.
            _aFloats = 0;
            NativeMemory.AlignedFree(A);
            A = null;
            A = (float*)NativeMemory.AlignedAlloc((nuint)aFloats * sizeof(float), Alignment);
            _aFloats = aFloats;
        }
        if (bFloats > _bFloats)
        {
            _bFloats = 0;
            NativeMemory.AlignedFree(B);
            B = null;
            B = (float*)NativeMemory.AlignedAlloc((nuint)bFloats * sizeof(float), Alignment);
            _bFloats = bFloats;
        }
    }

    ~PackingBuffers()
    {
        NativeMemory.AlignedFree(A);
        NativeMemory.AlignedFree(B);
    }
}
