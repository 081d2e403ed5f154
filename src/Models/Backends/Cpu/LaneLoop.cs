// Running a loop body written once over the lane width: the widest vector the machine has, then one float at a time.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dtrain.Models.Backends.Cpu;

/// <summary>
/// A pointwise loop, its body written once for any <see cref="ILanes{TSelf}"/> width. The loop itself lives in the
/// body, over locals copied from its fields, so the JIT keeps every operand in a register (a field read through the
/// body in each step would be reloaded after every store, since a store through a ref may alias it).
/// </summary>
internal interface ILaneMap
{
    /// <summary>Handles elements [start, end) in steps of T.Count (end - start is a multiple of it).</summary>
    void Run<T>(int start, int end)
        where T : struct, ILanes<T>;
}

/// <summary>A loop that also adds up one term per element, into one accumulator per lane.</summary>
internal interface ILaneSum
{
    /// <summary>Returns acc plus the terms of elements [start, end), added in order, T.Count at a time.</summary>
    T Run<T>(int start, int end, T acc)
        where T : struct, ILanes<T>;
}

/// <summary>
/// The one place that picks the vector width. The JIT specialises each body for Lanes512, Lanes256 and Lanes1
/// (value types), so a body costs what its hand-written Vector512, Vector256 and scalar loops did.
/// </summary>
internal static class LaneLoop
{
    /// <summary>Runs <paramref name="body"/> over n elements: 16 (or 8) at a time, then the scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Map<TBody>(int n, ref TBody body)
        where TBody : struct, ILaneMap, allows ref struct
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = n - (n % 16);
            body.Run<Lanes512>(0, i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = n - (n % 8);
            body.Run<Lanes256>(0, i);
        }

        body.Run<Lanes1>(i, n);
    }

    /// <summary>
    /// Sums <paramref name="body"/>'s terms over n elements in a fixed order: one accumulator per lane, summed
    /// across the lanes, then the tail's terms added one by one. A row shorter than one vector uses the next
    /// narrower one (or only the tail), as the hand-written loops this replaces did, so every sum keeps its bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum<TBody>(int n, ref TBody body)
        where TBody : struct, ILaneSum, allows ref struct
    {
        var (i, sum) = (0, 0f);
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            i = n - (n % 16);
            sum = Lanes512.Sum(body.Run(0, i, Lanes512.Zero));
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            i = n - (n % 8);
            sum = Lanes256.Sum(body.Run(0, i, Lanes256.Zero));
        }

        return body.Run(i, n, new Lanes1(sum)).Value;
    }
}
