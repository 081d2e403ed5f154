// The AVX2 micro-kernel: a 6 x 16 tile of C in 12 ymm accumulators, the classic Haswell shape that
// leaves room in the 16 architectural registers for two B vectors and a broadcast.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dtrain.Models.Backends.Cpu;

public static unsafe partial class Gemm
{
    /// <summary>Rows of the AVX2 tile.</summary>
    internal const int Avx2Mr = 6;

    /// <summary>Rows of the AVX2 short tile.</summary>
    internal const int Avx2ShortMr = 4;

    /// <summary>Columns of the AVX2 tile: two ymm vectors.</summary>
    internal const int Avx2Nr = 16;

    /// <summary>
    /// One 6 x 16 tile or the part <typeparamref name="TTile"/> names (see <see cref="KernelShape"/> for
    /// the contract). Two FMA pipes with 4-cycle latency need at least 8 accumulators in flight; 12
    /// gives slack for the broadcasts.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void KernelAvx2<TTile>(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
        where TTile : struct, ITilePart
    {
        Vector256<float> c0l = default, c0h = default;
        Vector256<float> c1l = default, c1h = default;
        Vector256<float> c2l = default, c2h = default;
        Vector256<float> c3l = default, c3h = default;
        Vector256<float> c4l = default, c4h = default;
        Vector256<float> c5l = default, c5h = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b), b1 = TTile.AllColumns ? Vector256.Load(b + 8) : default, x;
            x = Vector256.Create(a[0]);
            c0l = Fma.MultiplyAdd(x, b0, c0l);
            if (TTile.AllColumns)
                c0h = Fma.MultiplyAdd(x, b1, c0h);
            x = Vector256.Create(a[1]);
            c1l = Fma.MultiplyAdd(x, b0, c1l);
            if (TTile.AllColumns)
                c1h = Fma.MultiplyAdd(x, b1, c1h);
            x = Vector256.Create(a[2]);
            c2l = Fma.MultiplyAdd(x, b0, c2l);
            if (TTile.AllColumns)
                c2h = Fma.MultiplyAdd(x, b1, c2h);
            x = Vector256.Create(a[3]);
            c3l = Fma.MultiplyAdd(x, b0, c3l);
            if (TTile.AllColumns)
                c3h = Fma.MultiplyAdd(x, b1, c3h);
            if (TTile.AllRows)
            {
                x = Vector256.Create(a[4]);
                c4l = Fma.MultiplyAdd(x, b0, c4l);
                if (TTile.AllColumns)
                    c4h = Fma.MultiplyAdd(x, b1, c4h);
                x = Vector256.Create(a[5]);
                c5l = Fma.MultiplyAdd(x, b0, c5l);
                if (TTile.AllColumns)
                    c5h = Fma.MultiplyAdd(x, b1, c5h);
            }
            a += Avx2Mr;
            b += Avx2Nr;
        }

        var va = Vector256.Create(alpha);
        var vb = Vector256.Create(beta);
        bool overwrite = beta == 0f;
        StoreRow256<TTile>(c + 0 * (nint)ldc, c0l, c0h, va, vb, overwrite);
        StoreRow256<TTile>(c + 1 * (nint)ldc, c1l, c1h, va, vb, overwrite);
        StoreRow256<TTile>(c + 2 * (nint)ldc, c2l, c2h, va, vb, overwrite);
        StoreRow256<TTile>(c + 3 * (nint)ldc, c3l, c3h, va, vb, overwrite);
        if (TTile.AllRows)
        {
            StoreRow256<TTile>(c + 4 * (nint)ldc, c4l, c4h, va, vb, overwrite);
            StoreRow256<TTile>(c + 5 * (nint)ldc, c5l, c5h, va, vb, overwrite);
        }
    }

    /// <summary>Writes one row of the tile: alpha * acc, plus beta * C unless overwriting.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow256<TTile>(float* c, Vector256<float> lo, Vector256<float> hi,
        Vector256<float> alpha, Vector256<float> beta, bool overwrite)
        where TTile : struct, ITilePart
    {
        if (overwrite)
        {
            Vector256.Store(lo * alpha, c);
            if (TTile.AllColumns)
                Vector256.Store(hi * alpha, c + 8);
        }
        else
        {
            Vector256.Store(Fma.MultiplyAdd(lo, alpha, Vector256.Load(c) * beta), c);
            if (TTile.AllColumns)
                Vector256.Store(Fma.MultiplyAdd(hi, alpha, Vector256.Load(c + 8) * beta), c + 8);
        }
    }
}
