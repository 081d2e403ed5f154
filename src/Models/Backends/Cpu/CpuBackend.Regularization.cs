// Dropout kernels of the CPU backend: a counter-based mask (hash of seed and index) and its application.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void DropoutMask(Tensor mask, float rate, ulong seed)
    {
        var m = Span(mask);
        ref var mr = ref MemoryMarshal.GetReference(m);
        var (k0, k1) = ((uint)seed, (uint)(seed >> 32));

        // Keep element i when its 32-bit hash is at or above rate * 2^32: probability 1 - rate, exactly to 2^-32.
        var threshold = (uint)Math.Min(rate * 4294967296.0, uint.MaxValue);
        var keep = 1f / (1f - rate);
        var (n, i) = (m.Length, 0);
        if (Vector512.IsHardwareAccelerated)
        {
            var (t, scale) = (Vector512.Create(threshold), Vector512.Create(keep));
            for (; i <= n - 16; i += 16)
            {
                var h = MaskHash(Vector512<uint>.Indices + Vector512.Create((uint)i), k0, k1);
                Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(h, t).AsSingle(), scale, Vector512<float>.Zero).StoreUnsafe(ref mr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var (t, scale) = (Vector256.Create(threshold), Vector256.Create(keep));
            for (; i <= n - 8; i += 8)
            {
                var h = MaskHash(Vector256<uint>.Indices + Vector256.Create((uint)i), k0, k1);
                Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(h, t).AsSingle(), scale, Vector256<float>.Zero).StoreUnsafe(ref mr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref mr, i) = MaskHash((uint)i, k0, k1) >= threshold ? keep : 0f;
        }
    }

    /// <inheritdoc/>
    public void DropoutApply(Tensor x, Tensor mask, Tensor y, bool accumulate)
    {
        var xs = Span(x);
        CheckLength(xs.Length, mask.Length, nameof(DropoutApply));
        ref var xr = ref MemoryMarshal.GetReference(xs);
        ref var mr = ref MemoryMarshal.GetReference(Span(mask));
        ref var yr = ref MemoryMarshal.GetReference(Span(y));
        var (n, i) = (xs.Length, 0);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref xr, (nuint)i) * Vector512.LoadUnsafe(ref mr, (nuint)i);
                (accumulate ? v + Vector512.LoadUnsafe(ref yr, (nuint)i) : v).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref xr, (nuint)i) * Vector256.LoadUnsafe(ref mr, (nuint)i);
                (accumulate ? v + Vector256.LoadUnsafe(ref yr, (nuint)i) : v).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var v = Unsafe.Add(ref xr, i) * Unsafe.Add(ref mr, i);
            Unsafe.Add(ref yr, i) = accumulate ? Unsafe.Add(ref yr, i) + v : v;
        }
    }

    // The mask hash: two rounds of Wellons' lowbias32 (a bijection of 32-bit words with near-ideal avalanche),
    // keyed by the two halves of the seed. The scalar and vector forms give the same bits, so the mask is
    // the same whatever width the machine has, and a GPU kernel computes it per thread from the index alone.
    private static uint MaskHash(uint index, uint k0, uint k1) => LowBias32(LowBias32(index ^ k0) ^ k1);

    private static uint LowBias32(uint x)
    {
        x ^= x >> 16;
        x *= 0x7feb352dU;
        x ^= x >> 15;
        x *= 0x846ca68bU;
        return x ^ (x >> 16);
    }

    private static Vector512<uint> MaskHash(Vector512<uint> index, uint k0, uint k1) =>
        LowBias32(LowBias32(index ^ Vector512.Create(k0)) ^ Vector512.Create(k1));

    private static Vector512<uint> LowBias32(Vector512<uint> x)
    {
        x ^= x >>> 16;
        x *= Vector512.Create(0x7feb352dU);
        x ^= x >>> 15;
        x *= Vector512.Create(0x846ca68bU);
        return x ^ (x >>> 16);
    }

    private static Vector256<uint> MaskHash(Vector256<uint> index, uint k0, uint k1) =>
        LowBias32(LowBias32(index ^ Vector256.Create(k0)) ^ Vector256.Create(k1));

    private static Vector256<uint> LowBias32(Vector256<uint> x)
    {
        x ^= x >>> 16;
        x *= Vector256.Create(0x7feb352dU);
        x ^= x >>> 15;
        x *= Vector256.Create(0x846ca68bU);
        return x ^ (x >>> 16);
    }
}
