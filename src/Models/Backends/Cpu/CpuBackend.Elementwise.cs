// Elementwise kernels of the CPU backend: broadcast binary arithmetic, scaled adds, exp and log.
using System.Runtime.InteropServices;
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
        var body = new AxpyBody(alpha, x, y, accumulate);
        LaneLoop.Map(x.Length, ref body);
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
        var body = new BinaryRowBody<TFunction>(a, b, y, accumulate);
        LaneLoop.Map(y.Length, ref body);
    }

    /// <summary>A binary function written once over the lane width, so one loop serves every function at full speed.</summary>
    private interface IBinaryFunction
    {
        static abstract T Apply<T>(T a, T b)
            where T : struct, ILanes<T>;
    }

    private readonly struct AddFunction : IBinaryFunction
    {
        public static T Apply<T>(T a, T b)
            where T : struct, ILanes<T> => a + b;
    }

    private readonly struct SubtractFunction : IBinaryFunction
    {
        public static T Apply<T>(T a, T b)
            where T : struct, ILanes<T> => a - b;
    }

    private readonly struct MultiplyFunction : IBinaryFunction
    {
        public static T Apply<T>(T a, T b)
            where T : struct, ILanes<T> => a * b;
    }

    private readonly struct DivideFunction : IBinaryFunction
    {
        public static T Apply<T>(T a, T b)
            where T : struct, ILanes<T> => a / b;
    }

    private readonly ref struct BinaryRowBody<TFunction>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, bool accumulate) : ILaneMap
        where TFunction : IBinaryFunction
    {
        private readonly ref float _a = ref MemoryMarshal.GetReference(a);
        private readonly ref float _b = ref MemoryMarshal.GetReference(b);
        private readonly ref float _y = ref MemoryMarshal.GetReference(y);
        private readonly bool _accumulate = accumulate;

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var a = ref _a;
            ref var b = ref _b;
            ref var y = ref _y;
            var accumulate = _accumulate;
            for (var i = start; i < end; i += T.Count)
            {
                var v = TFunction.Apply(T.Load(ref a, i), T.Load(ref b, i));
                (accumulate ? v + T.Load(ref y, i) : v).Store(ref y, i);
            }
        }
    }

    private readonly ref struct AxpyBody(float alpha, ReadOnlySpan<float> x, Span<float> y, bool accumulate) : ILaneMap
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x);
        private readonly ref float _y = ref MemoryMarshal.GetReference(y);
        private readonly float _alpha = alpha;
        private readonly bool _accumulate = accumulate;

        public void Run<T>(int start, int end)
            where T : struct, ILanes<T>
        {
            ref var x = ref _x;
            ref var y = ref _y;
            var alpha = _alpha;
            var accumulate = _accumulate;
            for (var i = start; i < end; i += T.Count)
            {
                var v = T.Splat(alpha) * T.Load(ref x, i);
                (accumulate ? v + T.Load(ref y, i) : v).Store(ref y, i);
            }
        }
    }
}
