// Elementwise kernels of the CPU backend: broadcast binary arithmetic, scaled adds, exp and log.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void Binary(BinaryFunction f, Tensor a, bool aBroadcast, Tensor b, bool bBroadcast, Tensor y, int rows, int cols, bool accumulate)
    {
        CheckOperand(a, aBroadcast, rows, cols, nameof(Binary));
        CheckOperand(b, bBroadcast, rows, cols, nameof(Binary));
        CheckOperand(y, false, rows, cols, nameof(Binary));
        switch (f)
        {
            case BinaryFunction.Add:
                BinaryRows<AddFunction>(Span(a), aBroadcast, Span(b), bBroadcast, Span(y), rows, cols, accumulate);
                break;
            case BinaryFunction.Subtract:
                BinaryRows<SubtractFunction>(Span(a), aBroadcast, Span(b), bBroadcast, Span(y), rows, cols, accumulate);
                break;
            case BinaryFunction.Multiply:
                BinaryRows<MultiplyFunction>(Span(a), aBroadcast, Span(b), bBroadcast, Span(y), rows, cols, accumulate);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(f), f, "unknown binary function");
        }
    }

    /// <inheritdoc/>
    public void AddScaled(Tensor x, float alpha, Tensor y, bool accumulate)
    {
        CheckLength(x.Length, y.Length, nameof(AddScaled));
        Axpy(alpha, Span(x), Span(y), accumulate);
    }

    /// <inheritdoc/>
    public void MultiplySumRows(Tensor x, Tensor w, Tensor dst, int rows, int cols, bool accumulate)
    {
        CheckOperand(x, false, rows, cols, nameof(MultiplySumRows));
        CheckOperand(w, false, rows, cols, nameof(MultiplySumRows));
        CheckOperand(dst, true, rows, cols, nameof(MultiplySumRows));
        var xs = Span(x);
        var ws = Span(w);
        var ds = Span(dst);
        if (!accumulate)
        {
            ds.Clear();
        }

        for (var r = 0; r < rows; r++)
        {
            // ds += x_r * w_r: the multiply-add form of BinaryRows, accumulating into the one output row.
            BinaryRows<MultiplyFunction>(xs.Slice(r * cols, cols), false, ws.Slice(r * cols, cols), false, ds, 1, cols, accumulate: true);
        }
    }

    /// <inheritdoc/>
    public void Unary(UnaryFunction f, Tensor x, Tensor y)
    {
        CheckLength(x.Length, y.Length, nameof(Unary));
        var xs = Span(x);
        var ys = Span(y);
        switch (f)
        {
            case UnaryFunction.Exp:
                for (var i = 0; i < xs.Length; i++)
                {
                    ys[i] = MathF.Exp(xs[i]);
                }

                break;
            case UnaryFunction.Log:
                for (var i = 0; i < xs.Length; i++)
                {
                    ys[i] = MathF.Log(xs[i]);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(f), f, "unknown unary function");
        }
    }

    /// <inheritdoc/>
    public void UnaryBackward(UnaryFunction f, Tensor x, Tensor y, Tensor dy, Tensor dx, bool accumulate)
    {
        CheckLength(x.Length, dx.Length, nameof(UnaryBackward));
        switch (f)
        {
            case UnaryFunction.Exp:
                // d e^x = e^x, which the forward pass left in y.
                BinaryRows<MultiplyFunction>(Span(dy), false, Span(y), false, Span(dx), 1, dx.Length, accumulate);
                break;
            case UnaryFunction.Log:
                // d ln x = 1 / x.
                BinaryRows<DivideFunction>(Span(dy), false, Span(x), false, Span(dx), 1, dx.Length, accumulate);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(f), f, "unknown unary function");
        }
    }

    /// <summary>y = (accumulate ? y : 0) + alpha * x.</summary>
    internal static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y, bool accumulate)
    {
        var n = x.Length;
        ref var xs = ref MemoryMarshal.GetReference(x);
        ref var ys = ref MemoryMarshal.GetReference(y);
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var va = Vector512.Create(alpha);
            for (; i <= n - 16; i += 16)
            {
                var v = va * Vector512.LoadUnsafe(ref xs, (nuint)i);
                (accumulate ? v + Vector512.LoadUnsafe(ref ys, (nuint)i) : v).StoreUnsafe(ref ys, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(alpha);
            for (; i <= n - 8; i += 8)
            {
                var v = va * Vector256.LoadUnsafe(ref xs, (nuint)i);
                (accumulate ? v + Vector256.LoadUnsafe(ref ys, (nuint)i) : v).StoreUnsafe(ref ys, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var v = alpha * Unsafe.Add(ref xs, i);
            Unsafe.Add(ref ys, i) = accumulate ? Unsafe.Add(ref ys, i) + v : v;
        }
    }

    /// <summary>Runs one binary function over rows; a pair with no broadcast operand is one long row.</summary>
    private static void BinaryRows<TFunction>(ReadOnlySpan<float> a, bool aBroadcast, ReadOnlySpan<float> b, bool bBroadcast, Span<float> y, int rows, int cols, bool accumulate)
        where TFunction : IBinaryFunction
    {
        if (!aBroadcast && !bBroadcast)
        {
            (cols, rows) = (rows * cols, 1);
        }

        for (var r = 0; r < rows; r++)
        {
            var ar = aBroadcast ? a[..cols] : a.Slice(r * cols, cols);
            var br = bBroadcast ? b[..cols] : b.Slice(r * cols, cols);
            BinaryRow<TFunction>(ar, br, y.Slice(r * cols, cols), accumulate);
        }
    }

    private static void BinaryRow<TFunction>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, bool accumulate)
        where TFunction : IBinaryFunction
    {
        var n = y.Length;
        ref var ap = ref MemoryMarshal.GetReference(a);
        ref var bs = ref MemoryMarshal.GetReference(b);
        ref var ys = ref MemoryMarshal.GetReference(y);
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var v = TFunction.Apply(Vector512.LoadUnsafe(ref ap, (nuint)i), Vector512.LoadUnsafe(ref bs, (nuint)i));
                (accumulate ? v + Vector512.LoadUnsafe(ref ys, (nuint)i) : v).StoreUnsafe(ref ys, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                var v = TFunction.Apply(Vector256.LoadUnsafe(ref ap, (nuint)i), Vector256.LoadUnsafe(ref bs, (nuint)i));
                (accumulate ? v + Vector256.LoadUnsafe(ref ys, (nuint)i) : v).StoreUnsafe(ref ys, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var v = TFunction.Apply(Unsafe.Add(ref ap, i), Unsafe.Add(ref bs, i));
            Unsafe.Add(ref ys, i) = accumulate ? Unsafe.Add(ref ys, i) + v : v;
        }
    }

    /// <summary>A binary function in its scalar and vector forms, so one loop serves every function at full speed.</summary>
    private interface IBinaryFunction
    {
        static abstract float Apply(float a, float b);

        static abstract Vector256<float> Apply(Vector256<float> a, Vector256<float> b);

        static abstract Vector512<float> Apply(Vector512<float> a, Vector512<float> b);
    }

    private readonly struct AddFunction : IBinaryFunction
    {
        public static float Apply(float a, float b) => a + b;

        public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => a + b;

        public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a + b;
    }

    private readonly struct SubtractFunction : IBinaryFunction
    {
        public static float Apply(float a, float b) => a - b;

        public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => a - b;

        public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a - b;
    }

    private readonly struct MultiplyFunction : IBinaryFunction
    {
        public static float Apply(float a, float b) => a * b;

        public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => a * b;

        public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a * b;
    }

    private readonly struct DivideFunction : IBinaryFunction
    {
        public static float Apply(float a, float b) => a / b;

        public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => a / b;

        public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a / b;
    }
}
