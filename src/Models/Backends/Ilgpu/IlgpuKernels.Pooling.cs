// Pooling kernels over NCHW tensors: max and average pooling forward, one thread per output; backward one
// thread per input element, gathering over the windows that cover it, so sums come out in a fixed order.
using ILGPU;
using ILGPU.Algorithms;

namespace Dtrain.Models.Backends.Ilgpu;

internal static partial class IlgpuKernels
{
    /// <summary>
    /// y = the window's largest in-image value (the first on ties); argmax = its index in the example,
    /// c * H * W + iy * W + ix, exact as a float below 2^24.
    /// </summary>
    public static void MaxPoolForward(Index1D i, ArrayView<float> x, ArrayView<float> y, ArrayView<float> argmax, Window2d g)
    {
        int plane = g.OutH * g.OutW, pixels = g.Height * g.Width;
        var image = i / plane;
        int q = i - (image * plane), oy = q / g.OutW, ox = q - (oy * g.OutW);
        int y0 = XMath.Max((oy * g.StrideH) - g.PadH, 0), y1 = XMath.Min((oy * g.StrideH) - g.PadH + g.KernelH, g.Height);
        int x0 = XMath.Max((ox * g.StrideW) - g.PadW, 0), x1 = XMath.Min((ox * g.StrideW) - g.PadW + g.KernelW, g.Width);
        var start = image * pixels;
        var best = (y0 * g.Width) + x0;
        var max = x[start + best];
        for (var iy = y0; iy < y1; iy++)
        {
            for (var ix = x0; ix < x1; ix++)
            {
                var v = x[start + (iy * g.Width) + ix];
                if (v > max)
                {
                    max = v;
                    best = (iy * g.Width) + ix;
                }
            }
        }

        y[i] = max;
        argmax[i] = ((image % g.Channels) * pixels) + best;
    }

    /// <summary>dx (+)= the dy of every window whose recorded winner is this pixel.</summary>
    public static void MaxPoolBackward(Index1D i, ArrayView<float> dy, ArrayView<float> argmax, ArrayView<float> dx, Window2d g, int accumulate)
    {
        int pixels = g.Height * g.Width, plane = g.OutH * g.OutW;
        var image = i / pixels;
        int rest = i - (image * pixels), iy = rest / g.Width, ix = rest - (iy * g.Width);
        float own = ((image % g.Channels) * pixels) + rest;
        var sum = 0f;
        for (var oy = WindowFirst(iy, g.PadH, g.KernelH, g.StrideH); oy <= WindowLast(iy, g.PadH, g.StrideH, g.OutH); oy++)
        {
            for (var ox = WindowFirst(ix, g.PadW, g.KernelW, g.StrideW); ox <= WindowLast(ix, g.PadW, g.StrideW, g.OutW); ox++)
            {
                var o = (image * plane) + (oy * g.OutW) + ox;
                if (argmax[o] == own)
                {
                    sum += dy[o];
                }
            }
        }

        dx[i] = accumulate != 0 ? dx[i] + sum : sum;
    }

    /// <summary>y = the mean of the window's in-image values (padding is not counted).</summary>
    public static void AvgPoolForward(Index1D i, ArrayView<float> x, ArrayView<float> y, Window2d g)
    {
        int plane = g.OutH * g.OutW;
        var image = i / plane;
        int q = i - (image * plane), oy = q / g.OutW, ox = q - (oy * g.OutW);
        int y0 = XMath.Max((oy * g.StrideH) - g.PadH, 0), y1 = XMath.Min((oy * g.StrideH) - g.PadH + g.KernelH, g.Height);
        int x0 = XMath.Max((ox * g.StrideW) - g.PadW, 0), x1 = XMath.Min((ox * g.StrideW) - g.PadW + g.KernelW, g.Width);
        var start = image * g.Height * g.Width;
        var sum = 0f;
        for (var iy = y0; iy < y1; iy++)
        {
            for (var ix = x0; ix < x1; ix++)
            {
                sum += x[start + (iy * g.Width) + ix];
            }
        }

        y[i] = sum / ((y1 - y0) * (x1 - x0));
    }

    /// <summary>dx (+)= the sum of dy / (in-image window size) over the windows covering this pixel.</summary>
    public static void AvgPoolBackward(Index1D i, ArrayView<float> dy, ArrayView<float> dx, Window2d g, int accumulate)
    {
        int pixels = g.Height * g.Width, plane = g.OutH * g.OutW;
        var image = i / pixels;
        int rest = i - (image * pixels), iy = rest / g.Width, ix = rest - (iy * g.Width);
        var sum = 0f;
        for (var oy = WindowFirst(iy, g.PadH, g.KernelH, g.StrideH); oy <= WindowLast(iy, g.PadH, g.StrideH, g.OutH); oy++)
        {
            int y0 = XMath.Max((oy * g.StrideH) - g.PadH, 0), y1 = XMath.Min((oy * g.StrideH) - g.PadH + g.KernelH, g.Height);
            for (var ox = WindowFirst(ix, g.PadW, g.KernelW, g.StrideW); ox <= WindowLast(ix, g.PadW, g.StrideW, g.OutW); ox++)
            {
                int x0 = XMath.Max((ox * g.StrideW) - g.PadW, 0), x1 = XMath.Min((ox * g.StrideW) - g.PadW + g.KernelW, g.Width);
                sum += dy[(image * plane) + (oy * g.OutW) + ox] / ((y1 - y0) * (x1 - x0));
            }
        }

        dx[i] = accumulate != 0 ? dx[i] + sum : sum;
    }

    /// <summary>The first window along an axis that covers input position <paramref name="at"/>: o stride - pad + kernel &gt; at.</summary>
    private static int WindowFirst(int at, int pad, int kernel, int stride)
    {
        var reach = at + pad - kernel + 1;
        return reach <= 0 ? 0 : (reach + stride - 1) / stride;
    }

    /// <summary>The last window along an axis that covers input position <paramref name="at"/>: o stride - pad &lt;= at.</summary>
    private static int WindowLast(int at, int pad, int stride, int outputs) => XMath.Min((at + pad) / stride, outputs - 1);
}
