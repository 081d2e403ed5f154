// Running a loop body written once over the lane width: the widest vector the machine has, then one float at a time.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dtrain.Models.Backends.Cpu;

/// <summary>A pointwise loop body, written once for any <see cref="ILanes{TSelf}"/> width.</summary>
internal interface ILaneMap
{
    /// <summary>Handles elements <paramref name="i"/> to i + T.Count - 1.</summary>
    void Step<T>(int i)
        where T : struct, ILanes<T>;
}

/// <summary>A loop body that also adds up one term per element.</summary>
internal interface ILaneSum
{
    /// <summary>Handles elements <paramref name="i"/> to i + T.Count - 1 and returns acc plus their terms.</summary>
    T Step<T>(int i, T acc)
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
            for (; i <= n - 16; i += 16)
            {
                body.Step<Lanes512>(i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                body.Step<Lanes256>(i);
            }
        }

        for (; i < n; i++)
        {
            body.Step<Lanes1>(i);
        }
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
            var acc = Lanes512.Zero;
            for (; i <= n - 16; i += 16)
            {
                acc = body.Step(i, acc);
            }

            sum = Lanes512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Lanes256.Zero;
            for (; i <= n - 8; i += 8)
            {
                acc = body.Step(i, acc);
            }

            sum = Lanes256.Sum(acc);
        }

        var tail = new Lanes1(sum);
        for (; i < n; i++)
        {
            tail = body.Step(i, tail);
        }

        return tail.Value;
    }
}
