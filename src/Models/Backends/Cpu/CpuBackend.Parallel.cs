// Splitting a batch over the backend's threads: parts that claim examples (or chunks of them) one at a
// time, and the per-part scratch they work in.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    private ParallelOptions? _parallelOptions;
    private int _nextItem;
    private int _itemCount;
    private float[][] _partScratch = [];

    /// <summary>
    /// Runs <paramref name="part"/>(p) for p in [0, min(Threads, items, maxParts)) at once; each part takes items with
    /// <see cref="ClaimItem"/> until none is left. Claiming instead of fixed ranges keeps both cores busy when
    /// one of them is slowed by other work, and each part does whole examples, small enough to stay in L2.
    /// Parts run on the GEMM helper threads, which spin a while after each job: a training step alternates
    /// GEMMs and these loops, so the helpers are awake when the next loop starts.
    /// </summary>
    /// <returns>The number of parts run.</returns>
    private int RunParts(int items, Action<int> part, int maxParts = int.MaxValue)
    {
        int parts = Math.Max(1, Math.Min(Math.Min(Threads, maxParts), items));
        _nextItem = 0;
        _itemCount = items;
        if (parts == 1)
        {
            part(0);
        }
        else if (!GemmTeam.TryRun(part, parts))
        {
            // Another backend (a second worker) holds the team: the thread pool stands in.
            Parallel.For(0, parts, _parallelOptions ??= new ParallelOptions { MaxDegreeOfParallelism = Threads }, part);
        }

        return parts;
    }

    /// <summary>The next unclaimed item of the running <see cref="RunParts"/>, or -1 when all are taken.</summary>
    private int ClaimItem()
    {
        int item = Interlocked.Increment(ref _nextItem) - 1;
        return item < _itemCount ? item : -1;
    }

    /// <summary>Makes sure each of <paramref name="parts"/> parts has a pinned scratch array of <paramref name="length"/> floats.</summary>
    private void ReservePartScratch(int parts, int length)
    {
        if (_partScratch.Length < parts)
        {
            Array.Resize(ref _partScratch, parts);
        }

        for (int p = 0; p < parts; p++)
        {
            if (_partScratch[p] is null || _partScratch[p].Length < length)
            {
                _partScratch[p] = GC.AllocateArray<float>(length, pinned: true);
            }
        }
    }

    /// <summary>Part <paramref name="part"/>'s scratch (pinned, so the pointer stays valid).</summary>
    private float* PartScratch(int part) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_partScratch[part]));

    /// <summary>The address of a tensor's first float; CPU buffers are pinned, so it stays valid.</summary>
    private static float* Pointer(Tensor t) =>
        (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(((CpuBuffer)t.Buffer).Data)) + t.Offset;

    /// <summary>Throws unless <paramref name="t"/> holds at least <paramref name="needed"/> floats.</summary>
}
