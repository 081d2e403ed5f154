// The AVX-512 micro-kernel: a 12 x 32 tile of C held in 24 zmm accumulators, updated by broadcasting
// one A value per row against two 16-wide B vectors each step of k.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dtrain.Models.Backends.Cpu;

public static unsafe partial class Gemm
{
    /// <summary>Rows of the AVX-512 tile: 12 x 2 accumulators + 2 B vectors + 1 broadcast fit 32 registers.</summary>
    internal const int Avx512Mr = 12;

    /// <summary>Rows of the AVX-512 short tile, for the 8-row remainder of M = 128 or 512.</summary>
    internal const int Avx512ShortMr = 8;

    /// <summary>Columns of the AVX-512 tile: two zmm vectors, one 128-byte B row of the packed sliver per step.</summary>
    internal const int Avx512Nr = 32;

    /// <summary>
    /// One 12 x 32 tile or the part <typeparamref name="TTile"/> names (see <see cref="KernelShape"/> for
    /// the contract). Zen 4 issues one 512-bit FMA per cycle with 4-cycle latency, so 24 independent
    /// accumulators keep it busy; the JIT keeps them all in registers (checked with DOTNET_JitDisasm),
    /// loading 2 vectors and 12 broadcasts per 24 FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void KernelAvx512<TTile>(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
        where TTile : struct, ITilePart
    {
        Vector512<float> c0l = default, c0h = default;
        Vector512<float> c1l = default, c1h = default;
        Vector512<float> c2l = default, c2h = default;
        Vector512<float> c3l = default, c3h = default;
        Vector512<float> c4l = default, c4h = default;
        Vector512<float> c5l = default, c5h = default;
        Vector512<float> c6l = default, c6h = default;
        Vector512<float> c7l = default, c7h = default;
        Vector512<float> c8l = default, c8h = default;
        Vector512<float> c9l = default, c9h = default;
        Vector512<float> c10l = default, c10h = default;
        Vector512<float> c11l = default, c11h = default;
        // The C tile is read only after the k loop; touching it now hides the cache misses behind the FMAs.
        int rows = TTile.AllRows ? Avx512Mr : Avx512ShortMr;
        for (int i = 0; i < rows; i++)
        {
            Sse.Prefetch0(c + i * (nint)ldc);
            if (TTile.AllColumns)
                Sse.Prefetch0(c + i * (nint)ldc + 16);
        }
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = TTile.AllColumns ? Vector512.Load(b + 16) : default, x;
            x = Vector512.Create(a[0]);
            c0l = Avx512F.FusedMultiplyAdd(x, b0, c0l);
            if (TTile.AllColumns)
                c0h = Avx512F.FusedMultiplyAdd(x, b1, c0h);
            x = Vector512.Create(a[1]);
            c1l = Avx512F.FusedMultiplyAdd(x, b0, c1l);
            if (TTile.AllColumns)
                c1h = Avx512F.FusedMultiplyAdd(x, b1, c1h);
            x = Vector512.Create(a[2]);
            c2l = Avx512F.FusedMultiplyAdd(x, b0, c2l);
            if (TTile.AllColumns)
                c2h = Avx512F.FusedMultiplyAdd(x, b1, c2h);
            x = Vector512.Create(a[3]);
            c3l = Avx512F.FusedMultiplyAdd(x, b0, c3l);
            if (TTile.AllColumns)
                c3h = Avx512F.FusedMultiplyAdd(x, b1, c3h);
            x = Vector512.Create(a[4]);
            c4l = Avx512F.FusedMultiplyAdd(x, b0, c4l);
            if (TTile.AllColumns)
                c4h = Avx512F.FusedMultiplyAdd(x, b1, c4h);
            x = Vector512.Create(a[5]);
            c5l = Avx512F.FusedMultiplyAdd(x, b0, c5l);
            if (TTile.AllColumns)
                c5h = Avx512F.FusedMultiplyAdd(x, b1, c5h);
            x = Vector512.Create(a[6]);
            c6l = Avx512F.FusedMultiplyAdd(x, b0, c6l);
            if (TTile.AllColumns)
                c6h = Avx512F.FusedMultiplyAdd(x, b1, c6h);
            x = Vector512.Create(a[7]);
            c7l = Avx512F.FusedMultiplyAdd(x, b0, c7l);
            if (TTile.AllColumns)
                c7h = Avx512F.FusedMultiplyAdd(x, b1, c7h);
            if (TTile.AllRows)
            {
                x = Vector512.Create(a[8]);
                c8l = Avx512F.FusedMultiplyAdd(x, b0, c8l);
                if (TTile.AllColumns)
                    c8h = Avx512F.FusedMultiplyAdd(x, b1, c8h);
                x = Vector512.Create(a[9]);
                c9l = Avx512F.FusedMultiplyAdd(x, b0, c9l);
                if (TTile.AllColumns)
                    c9h = Avx512F.FusedMultiplyAdd(x, b1, c9h);
                x = Vector512.Create(a[10]);
                c10l = Avx512F.FusedMultiplyAdd(x, b0, c10l);
                if (TTile.AllColumns)
                    c10h = Avx512F.FusedMultiplyAdd(x, b1, c10h);
                x = Vector512.Create(a[11]);
                c11l = Avx512F.FusedMultiplyAdd(x, b0, c11l);
                if (TTile.AllColumns)
                    c11h = Avx512F.FusedMultiplyAdd(x, b1, c11h);
            }
            a += Avx512Mr;
            b += Avx512Nr;
        }

        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        bool overwrite = beta == 0f;
        StoreRow512<TTile>(c + 0 * (nint)ldc, c0l, c0h, va, vb, overwrite);
        StoreRow512<TTile>(c + 1 * (nint)ldc, c1l, c1h, va, vb, overwrite);
        StoreRow512<TTile>(c + 2 * (nint)ldc, c2l, c2h, va, vb, overwrite);
        StoreRow512<TTile>(c + 3 * (nint)ldc, c3l, c3h, va, vb, overwrite);
        StoreRow512<TTile>(c + 4 * (nint)ldc, c4l, c4h, va, vb, overwrite);
        StoreRow512<TTile>(c + 5 * (nint)ldc, c5l, c5h, va, vb, overwrite);
        StoreRow512<TTile>(c + 6 * (nint)ldc, c6l, c6h, va, vb, overwrite);
        StoreRow512<TTile>(c + 7 * (nint)ldc, c7l, c7h, va, vb, overwrite);
        if (TTile.AllRows)
        {
            StoreRow512<TTile>(c + 8 * (nint)ldc, c8l, c8h, va, vb, overwrite);
            StoreRow512<TTile>(c + 9 * (nint)ldc, c9l, c9h, va, vb, overwrite);
            StoreRow512<TTile>(c + 10 * (nint)ldc, c10l, c10h, va, vb, overwrite);
            StoreRow512<TTile>(c + 11 * (nint)ldc, c11l, c11h, va, vb, overwrite);
        }
    }

    /// <summary>Writes one row of the tile: alpha * acc, plus beta * C unless overwriting.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow512<TTile>(float* c, Vector512<float> lo, Vector512<float> hi,
        Vector512<float> alpha, Vector512<float> beta, bool overwrite)
        where TTile : struct, ITilePart
    {
        if (overwrite)
        {
            Vector512.Store(lo * alpha, c);
            if (TTile.AllColumns)
                Vector512.Store(hi * alpha, c + 16);
        }
        else
        {
            Vector512.Store(Avx512F.FusedMultiplyAdd(lo, alpha, Vector512.Load(c) * beta), c);
            if (TTile.AllColumns)
                Vector512.Store(Avx512F.FusedMultiplyAdd(hi, alpha, Vector512.Load(c + 16) * beta), c + 16);
        }
    }
}
