// The portable micro-kernel: a 4 x (2 * Vector<float>.Count) tile in plain Vector<float> arithmetic,
// for CPUs without AVX2/FMA (and as the path that must work everywhere .NET runs).
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Dtrain.Models.Backends.Cpu;

public static unsafe partial class Gemm
{
    /// <summary>Rows of the portable tile.</summary>
    internal const int PortableMr = 4;

    /// <summary>Rows of the portable short tile.</summary>
    internal const int PortableShortMr = 2;

    /// <summary>Columns of the portable tile: two Vector&lt;float&gt;s.</summary>
    internal static int PortableNr => 2 * Vector<float>.Count;

    /// <summary>
    /// One 4 x <see cref="PortableNr"/> tile or the part <typeparamref name="TTile"/> names (see
    /// <see cref="KernelShape"/> for the contract). Multiply then add, not fused: on hardware without
    /// FMA a fused call would fall back to slow software emulation.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void KernelPortable<TTile>(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
        where TTile : struct, ITilePart
    {
        int width = Vector<float>.Count;
        Vector<float> c0l = default, c0h = default;
        Vector<float> c1l = default, c1h = default;
        Vector<float> c2l = default, c2h = default;
        Vector<float> c3l = default, c3h = default;
        for (int p = 0; p < kc; p++)
        {
            Vector<float> b0 = Vector.Load(b), b1 = TTile.AllColumns ? Vector.Load(b + width) : default, x;
            x = new Vector<float>(a[0]);
            c0l += x * b0;
            if (TTile.AllColumns)
                c0h += x * b1;
            x = new Vector<float>(a[1]);
            c1l += x * b0;
            if (TTile.AllColumns)
                c1h += x * b1;
            if (TTile.AllRows)
            {
                x = new Vector<float>(a[2]);
                c2l += x * b0;
                if (TTile.AllColumns)
                    c2h += x * b1;
                x = new Vector<float>(a[3]);
                c3l += x * b0;
                if (TTile.AllColumns)
                    c3h += x * b1;
            }
            a += PortableMr;
            b += 2 * width;
        }

        StoreRowPortable<TTile>(c + 0 * (nint)ldc, c0l, c0h, alpha, beta);
        StoreRowPortable<TTile>(c + 1 * (nint)ldc, c1l, c1h, alpha, beta);
        if (TTile.AllRows)
        {
            StoreRowPortable<TTile>(c + 2 * (nint)ldc, c2l, c2h, alpha, beta);
            StoreRowPortable<TTile>(c + 3 * (nint)ldc, c3l, c3h, alpha, beta);
        }
    }

    /// <summary>Writes one row of the tile: alpha * acc, plus beta * C unless beta is 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRowPortable<TTile>(float* c, Vector<float> lo, Vector<float> hi, float alpha, float beta)
        where TTile : struct, ITilePart
    {
        float* c1 = c + Vector<float>.Count;
        if (beta == 0f)
        {
            Vector.Store(lo * alpha, c);
            if (TTile.AllColumns)
                Vector.Store(hi * alpha, c1);
        }
        else
        {
            Vector.Store(lo * alpha + Vector.Load(c) * beta, c);
            if (TTile.AllColumns)
                Vector.Store(hi * alpha + Vector.Load(c1) * beta, c1);
        }
    }
}
