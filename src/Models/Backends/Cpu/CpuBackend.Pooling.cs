// Max and average pooling on the CPU, examples spread over the backend's threads.
using static Dtrain.Models.Backends.KernelArguments;
using System.Runtime.CompilerServices;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    private PoolCall _pool;
    private Action<int>? _maxPoolForwardPart;
    private Action<int>? _maxPoolBackwardPart;
    private Action<int>? _avgPoolForwardPart;
    private Action<int>? _avgPoolBackwardPart;

    /// <inheritdoc/>
    public void MaxPool2dForward(Window2d window, int batch, Tensor x, Tensor y, Tensor argmax)
    {
        CheckPool(window, batch, x, y, nameof(MaxPool2dForward));
        CheckHolds(argmax, (long)batch * window.Channels * window.OutputPlane, "argmax", nameof(MaxPool2dForward));
        _pool = new PoolCall(window, Pointer(x), Pointer(y), Pointer(argmax), false);
        if (MaxPool2x2.Applies(window))
        {
            ReservePartScratch(Math.Max(1, Math.Min(Threads, batch)), window.InputSize);
        }

        RunParts(batch, _maxPoolForwardPart ??= MaxPoolForwardPart);
    }

    /// <inheritdoc/>
    public void MaxPool2dBackward(Window2d window, int batch, Tensor dy, Tensor argmax, Tensor dx, bool accumulate)
    {
        CheckPool(window, batch, dx, dy, nameof(MaxPool2dBackward));
        CheckHolds(argmax, (long)batch * window.Channels * window.OutputPlane, "argmax", nameof(MaxPool2dBackward));
        _pool = new PoolCall(window, Pointer(dx), Pointer(dy), Pointer(argmax), accumulate);
        if (MaxPool2x2.Applies(window))
        {
            ReservePartScratch(Math.Max(1, Math.Min(Threads, batch)), window.InputSize);
        }

        RunParts(batch, _maxPoolBackwardPart ??= MaxPoolBackwardPart);
    }

    /// <inheritdoc/>
    public void AvgPool2dForward(Window2d window, int batch, Tensor x, Tensor y)
    {
        CheckPool(window, batch, x, y, nameof(AvgPool2dForward));
        _pool = new PoolCall(window, Pointer(x), Pointer(y), null, false);
        RunParts(batch, _avgPoolForwardPart ??= AvgPoolForwardPart);
    }

    /// <inheritdoc/>
    public void AvgPool2dBackward(Window2d window, int batch, Tensor dy, Tensor dx, bool accumulate)
    {
        CheckPool(window, batch, dx, dy, nameof(AvgPool2dBackward));
        _pool = new PoolCall(window, Pointer(dx), Pointer(dy), null, accumulate);
        RunParts(batch, _avgPoolBackwardPart ??= AvgPoolBackwardPart);
    }

    // y[c, oy, ox] = max over the window's in-image positions; argmax keeps where (c * H * W + iy * W + ix).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MaxPoolForwardPart(int part)
    {
        var g = _pool.Window;
        int outH = g.OutH, outW = g.OutW, planeIn = g.Height * g.Width;
        for (int b; (b = ClaimItem()) >= 0;)
        {
            if (MaxPool2x2.Applies(g))
            {
                long pooled = (long)b * g.Channels * outH * outW;
                MaxPool2x2.Forward(g, _pool.Image + ((long)b * g.InputSize), _pool.Pooled + pooled, _pool.Argmax + pooled, PartScratch(part));
                continue;
            }

            for (int c = 0; c < g.Channels; c++)
            {
                long plane = ((long)b * g.Channels) + c;
                int planeStart = c * planeIn;
                float* x = _pool.Image + (plane * planeIn);
                float* y = _pool.Pooled + (plane * outH * outW);
                float* arg = _pool.Argmax + (plane * outH * outW);
                for (int oy = 0; oy < outH; oy++)
                {
                    var (y0, y1) = Span1d(oy, g.StrideH, g.PadH, g.KernelH, g.Height);
                    for (int ox = 0; ox < outW; ox++)
                    {
                        var (x0, x1) = Span1d(ox, g.StrideW, g.PadW, g.KernelW, g.Width);
                        int best = planeStart + (y0 * g.Width) + x0;
                        float max = x[best - planeStart];
                        for (int iy = y0; iy < y1; iy++)
                        {
                            for (int ix = x0; ix < x1; ix++)
                            {
                                float v = x[(iy * g.Width) + ix];
                                if (v > max)
                                {
                                    (max, best) = (v, planeStart + (iy * g.Width) + ix);
                                }
                            }
                        }

                        y[(oy * outW) + ox] = max;
                        arg[(oy * outW) + ox] = best;
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MaxPoolBackwardPart(int part)
    {
        var g = _pool.Window;
        int pooled = g.Channels * g.OutputPlane;
        for (int b; (b = ClaimItem()) >= 0;)
        {
            float* dx = _pool.Image + ((long)b * g.InputSize);
            if (MaxPool2x2.Applies(g))
            {
                MaxPool2x2.Backward(g, _pool.Pooled + ((long)b * pooled), _pool.Argmax + ((long)b * pooled), dx, _pool.Accumulate, PartScratch(part));
                continue;
            }

            if (!_pool.Accumulate)
            {
                new Span<float>(dx, g.InputSize).Clear();
            }

            long start = (long)b * pooled;
            float* dy = _pool.Pooled + start;
            float* arg = _pool.Argmax + start;
            for (int o = 0; o < pooled; o++)
            {
                dx[(int)arg[o]] += dy[o];
            }
        }
    }

    // Padding is not counted: a window half over the border averages the positions it has.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AvgPoolForwardPart(int part)
    {
        var g = _pool.Window;
        int outH = g.OutH, outW = g.OutW, planeIn = g.Height * g.Width;
        for (int b; (b = ClaimItem()) >= 0;)
        {
            for (int c = 0; c < g.Channels; c++)
            {
                long plane = ((long)b * g.Channels) + c;
                float* x = _pool.Image + (plane * planeIn);
                float* y = _pool.Pooled + (plane * outH * outW);
                for (int oy = 0; oy < outH; oy++)
                {
                    var (y0, y1) = Span1d(oy, g.StrideH, g.PadH, g.KernelH, g.Height);
                    for (int ox = 0; ox < outW; ox++)
                    {
                        var (x0, x1) = Span1d(ox, g.StrideW, g.PadW, g.KernelW, g.Width);
                        float sum = 0f;
                        for (int iy = y0; iy < y1; iy++)
                        {
                            for (int ix = x0; ix < x1; ix++)
                            {
                                sum += x[(iy * g.Width) + ix];
                            }
                        }

                        y[(oy * outW) + ox] = sum / ((y1 - y0) * (x1 - x0));
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AvgPoolBackwardPart(int part)
    {
        var g = _pool.Window;
        int outH = g.OutH, outW = g.OutW, planeIn = g.Height * g.Width;
        for (int b; (b = ClaimItem()) >= 0;)
        {
            if (!_pool.Accumulate)
            {
                new Span<float>(_pool.Image + ((long)b * g.InputSize), g.InputSize).Clear();
            }

            for (int c = 0; c < g.Channels; c++)
            {
                long plane = ((long)b * g.Channels) + c;
                float* dx = _pool.Image + (plane * planeIn);
                float* dy = _pool.Pooled + (plane * outH * outW);
                for (int oy = 0; oy < outH; oy++)
                {
                    var (y0, y1) = Span1d(oy, g.StrideH, g.PadH, g.KernelH, g.Height);
                    for (int ox = 0; ox < outW; ox++)
                    {
                        var (x0, x1) = Span1d(ox, g.StrideW, g.PadW, g.KernelW, g.Width);
                        float share = dy[(oy * outW) + ox] / ((y1 - y0) * (x1 - x0));
                        for (int iy = y0; iy < y1; iy++)
                        {
                            for (int ix = x0; ix < x1; ix++)
                            {
                                dx[(iy * g.Width) + ix] += share;
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>The in-image input range [start, end) of output position <paramref name="o"/> along one axis.</summary>
    private static (int Start, int End) Span1d(int o, int stride, int pad, int kernel, int size)
    {
        int start = (o * stride) - pad;
        return (Math.Max(start, 0), Math.Min(start + kernel, size));
    }

    /// <summary>The arguments of the pooling call in flight: the image side (x or dx) and the pooled side (y or dy).</summary>
    private readonly struct PoolCall(Window2d window, float* image, float* pooled, float* argmax, bool accumulate)
    {
        public readonly Window2d Window = window;
        public readonly float* Image = image;
        public readonly float* Pooled = pooled;
        public readonly float* Argmax = argmax;
        public readonly bool Accumulate = accumulate;
    }
}
