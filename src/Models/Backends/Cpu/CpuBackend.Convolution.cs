// 2-D convolution on the CPU, examples spread over the backend's threads. Stride 1 on AVX-512 takes the direct
// kernels (DirectConv.cs); anything else runs im2col per example into one slot of the op's column workspace and
// the packed GEMM on one thread, so an example's columns (LeNet's conv1: 25 x 784 floats, 78 KB) stay in L2
// between the im2col and the GEMM that reads them.
using static Dtrain.Models.Backends.KernelArguments;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <summary>
    /// Examples per chunk of a backward pass: the unit of work a thread claims and of the weight-gradient sums,
    /// fixed so that the summation order does not depend on the thread count.
    /// </summary>
    private const int ChunkExamples = 16;

    private ConvCall _conv;
    private float[] _chunkPartials = [];
    private DirectConv.Plan _direct;
    private float[] _directShared = [];
    private int[] _directOffsets = [];
    private Action<int>? _directForwardPart;
    private Action<int>? _directBackwardPart;
    private Action<int>? _convForwardPart;
    private Action<int>? _convBackwardPart;

    /// <summary>
    /// Whether stride-1 convolutions take the direct AVX-512 path (<see cref="DirectConv"/>) where the CPU has it;
    /// false forces im2col + GEMM everywhere, so tests and the bench can check and time both.
    /// </summary>
    internal bool DirectConvolution { get; init; } = true;

    /// <inheritdoc/>
    public void Conv2dForward(Window2d window, int filters, int batch, Tensor x, Tensor w, Tensor? bias, Tensor y, Tensor columns, Activation? activation = null)
    {
        CheckConv(window, filters, batch, x, w, bias, y, columns, nameof(Conv2dForward));
        _conv = new ConvCall(window, filters, Pointer(x), Pointer(w), bias is { } b ? Pointer(b) : null, Pointer(y), Pointer(columns));
        if (DirectConvolution && DirectConv.Applies(window))
        {
            PrepareDirect(window, filters, batch);
            RunParts(batch, _directForwardPart ??= DirectForwardPart);
        }
        else
        {
            RunParts(batch, _convForwardPart ??= ConvForwardPart, columns.Length / window.ColumnSize);
        }

        if (activation is { } f)
        {
            // In place over y: elementwise, each value read once and then written.
            var output = y.Prefix(batch * filters * window.OutputPlane);
            Activate(f, output, output);
        }
    }

    /// <inheritdoc/>
    public void Conv2dBackward(Window2d window, int filters, int batch, Tensor x, Tensor w, Tensor dy,
        Tensor dw, Tensor? db, bool accumulateParameters, Tensor? dx, bool accumulateInput, Tensor columns)
    {
        CheckConv(window, filters, batch, x, w, db, dy, columns, nameof(Conv2dBackward));
        CheckHolds(dw, (long)filters * window.PatchSize, "dw", nameof(Conv2dBackward));
        if (dx is { } input)
        {
            CheckHolds(input, (long)batch * window.InputSize, "dx", nameof(Conv2dBackward));
        }

        // Weight and bias gradients are summed per chunk of examples into the chunk's own slot, then over the
        // chunks in order: whichever thread takes a chunk, the float sums are the same, so training repeats bit
        // for bit at any thread count.
        int weights = filters * window.PatchSize;
        int chunks = (batch + ChunkExamples - 1) / ChunkExamples;
        ReserveChunkPartials(chunks, weights + filters);
        _conv = new ConvCall(window, filters, Pointer(x), Pointer(w), null, Pointer(columns))
        {
            Dy = Pointer(dy),
            Dx = dx is { } g ? Pointer(g) : null,
            Batch = batch,
            WithBias = db is not null,
            AccumulateInput = accumulateInput,
        };
        if (DirectConvolution && DirectConv.Applies(window))
        {
            PrepareDirect(window, filters, batch);
            RunParts(chunks, _directBackwardPart ??= DirectBackwardPart);
        }
        else
        {
            RunParts(chunks, _convBackwardPart ??= ConvBackwardPart, columns.Length / window.ColumnSize);
        }

        var dws = Span(dw)[..weights];
        var dbs = db is { } bias ? Span(bias)[..filters] : default;
        if (!accumulateParameters)
        {
            dws.Clear();
            dbs.Clear();
        }

        int stride = weights + filters;
        for (int c = 0; c < chunks; c++)
        {
            Simd.AddInPlace(dws, _chunkPartials.AsSpan(c * stride, weights));
            Simd.AddInPlace(dbs, _chunkPartials.AsSpan((c * stride) + weights, dbs.Length));
        }
    }

    // y_b (filters, P) = W (filters, PatchSize) x columns_b (PatchSize, P) + bias, P = OutH * OutW.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ConvForwardPart(int part)
    {
        var (g, filters) = (_conv.Window, _conv.Filters);
        int patch = g.PatchSize, plane = g.OutputPlane;
        float* columns = _conv.Columns + ((long)part * g.ColumnSize);
        for (int b; (b = ClaimItem()) >= 0;)
        {
            float* xb = _conv.X + ((long)b * g.InputSize);
            float* yb = _conv.Y + ((long)b * filters * plane);
            float* source = g.IsPointwise ? xb : columns;
            if (!g.IsPointwise)
            {
                Im2Col.Expand(g, xb, columns);
            }

            // The bias goes in first and the GEMM adds onto it (beta 1): no second pass over y.
            float beta = 0f;
            if (_conv.Bias != null)
            {
                for (int f = 0; f < filters; f++)
                {
                    new Span<float>(yb + ((long)f * plane), plane).Fill(_conv.Bias[f]);
                }

                beta = 1f;
            }

            Cpu.Gemm.Sgemm(false, false, filters, plane, patch, 1f, _conv.W, patch, source, plane, beta, yb, plane, maxThreads: 1);
        }
    }

    // Per chunk of examples: dW_chunk = sum over its examples of dy_b (filters, P) x columns_b^T, db_chunk = the
    // row sums of dy_b; dcolumns (PatchSize, P) = W^T dy_b, folded back into dx_b by col2im.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ConvBackwardPart(int part)
    {
        var (g, filters) = (_conv.Window, _conv.Filters);
        int patch = g.PatchSize, plane = g.OutputPlane;
        float* columns = _conv.Columns + ((long)part * g.ColumnSize);
        for (int chunk; (chunk = ClaimItem()) >= 0;)
        {
            float* dw = ChunkPartial(chunk, filters * patch + filters);
            float* db = dw + ((long)filters * patch);
            int start = chunk * ChunkExamples, end = Math.Min(_conv.Batch, start + ChunkExamples);
            for (int b = start; b < end; b++)
            {
                bool first = b == start;
                float* xb = _conv.X + ((long)b * g.InputSize);
                float* dyb = _conv.Dy + ((long)b * filters * plane);
                float* source = g.IsPointwise ? xb : columns;
                if (!g.IsPointwise)
                {
                    Im2Col.Expand(g, xb, columns);
                }

                Cpu.Gemm.Sgemm(false, true, filters, patch, plane, 1f, dyb, plane, source, plane, first ? 0f : 1f, dw, patch, maxThreads: 1);
                RowSums(dyb, filters, plane, db, first);
                if (_conv.Dx == null)
                {
                    continue;
                }

                float* dxb = _conv.Dx + ((long)b * g.InputSize);
                if (g.IsPointwise)
                {
                    Cpu.Gemm.Sgemm(true, false, patch, plane, filters, 1f, _conv.W, patch, dyb, plane, _conv.AccumulateInput ? 1f : 0f, dxb, plane, maxThreads: 1);
                    continue;
                }

                Cpu.Gemm.Sgemm(true, false, patch, plane, filters, 1f, _conv.W, patch, dyb, plane, 0f, columns, plane, maxThreads: 1);
                if (!_conv.AccumulateInput)
                {
                    new Span<float>(dxb, g.InputSize).Clear();
                }

                Im2Col.AddBack(g, columns, dxb);
            }
        }
    }

    /// <summary>db[f] = (first ? 0 : db[f]) + sum of row f of dy (filters, plane); db is not touched when the conv has no bias.</summary>
    private void RowSums(float* dy, int filters, int plane, float* db, bool first)
    {
        if (!_conv.WithBias)
        {
            return;
        }

        for (int f = 0; f < filters; f++)
        {
            float sum = Sum(new ReadOnlySpan<float>(dy + ((long)f * plane), plane));
            db[f] = first ? sum : db[f] + sum;
        }
    }

    /// <summary>Lays out the direct path's scratch and packs this call's weights and patch offsets for it.</summary>
    private void PrepareDirect(Window2d window, int filters, int batch)
    {
        var plan = new DirectConv.Plan(window, filters);
        _direct = plan;
        ReservePartScratch(Math.Max(1, Math.Min(Threads, batch)), plan.PartLength);
        int packed = plan.Filters8 * plan.Patch, rows = plan.Filters * plan.Patch8;
        if (_directShared.Length < packed + plan.Filters8 + rows)
        {
            _directShared = GC.AllocateArray<float>(packed + plan.Filters8 + rows, pinned: true);
        }

        if (_directOffsets.Length < plan.Patch8)
        {
            _directOffsets = GC.AllocateArray<int>(plan.Patch8, pinned: true);
        }

        float* shared = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_directShared));
        DirectConv.PackWeights(plan, _conv.W, _conv.Bias, shared, shared + packed, shared + packed + plan.Filters8);
        DirectConv.Offsets(plan, (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_directOffsets)));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DirectForwardPart(int part)
    {
        var plan = _direct;
        float* scratch = PartScratch(part);
        float* shared = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_directShared));
        int* offsets = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_directOffsets));
        int outputs = plan.Filters * plan.Window.OutputPlane;
        DirectConv.ClearPart(plan, scratch);
        for (int b; (b = ClaimItem()) >= 0;)
        {
            DirectConv.Forward(plan, _conv.X + ((long)b * plan.Window.InputSize), _conv.Y + ((long)b * outputs), scratch, offsets,
                shared, shared + (plan.Filters8 * plan.Patch));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DirectBackwardPart(int part)
    {
        var plan = _direct;
        int plane = plan.Window.OutputPlane;
        float* scratch = PartScratch(part);
        float* shared = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_directShared));
        int* offsets = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_directOffsets));
        float* rows = shared + (plan.Filters8 * plan.Patch) + plan.Filters8;
        DirectConv.ClearPart(plan, scratch);
        for (int chunk; (chunk = ClaimItem()) >= 0;)
        {
            float* dw = ChunkPartial(chunk, (plan.Filters * plan.Patch) + plan.Filters);
            float* db = dw + ((long)plan.Filters * plan.Patch);
            int start = chunk * ChunkExamples, end = Math.Min(_conv.Batch, start + ChunkExamples);
            DirectConv.ClearLanes(plan, scratch);
            for (int b = start; b < end; b++)
            {
                float* dyb = _conv.Dy + ((long)b * plan.Filters * plane);
                float* dxb = _conv.Dx == null ? null : _conv.Dx + ((long)b * plan.Window.InputSize);
                DirectConv.Backward(plan, _conv.X + ((long)b * plan.Window.InputSize), dyb, dxb, _conv.AccumulateInput, scratch, offsets, rows);
                RowSums(dyb, plan.Filters, plane, db, b == start);
            }

            DirectConv.ReduceWeights(plan, scratch, dw);
        }
    }

    /// <summary>Makes room for <paramref name="chunks"/> slots of <paramref name="length"/> floats of weight and bias gradients.</summary>
    private void ReserveChunkPartials(int chunks, int length)
    {
        if (_chunkPartials.Length < (long)chunks * length)
        {
            _chunkPartials = GC.AllocateArray<float>(chunks * length, pinned: true);
        }
    }

    /// <summary>Chunk <paramref name="chunk"/>'s slot (slots of <paramref name="length"/> floats; the array is pinned).</summary>
    private float* ChunkPartial(int chunk, int length) =>
        (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_chunkPartials)) + ((long)chunk * length);

    /// <summary>The arguments of the convolution in flight, read by its parts.</summary>
    private struct ConvCall(Window2d window, int filters, float* x, float* w, float* bias, float* y, float* columns)
    {
        public readonly Window2d Window = window;
        public readonly int Filters = filters;
        public readonly float* X = x;
        public readonly float* W = w;
        public readonly float* Bias = bias;
        public readonly float* Y = y;
        public readonly float* Columns = columns;
        public float* Dy;
        public float* Dx;
        public int Batch;
        public bool WithBias;
        public bool AccumulateInput;

        public ConvCall(Window2d window, int filters, float* x, float* w, float* bias, float* columns)
            : this(window, filters, x, w, bias, null, columns)
        {
        }
    }
}
